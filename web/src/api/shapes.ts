/**
 * Names for the API shapes the web UI uses, all taken from the generated contract
 * (src/api-contract/schema.ts, `npm run api:types`) — nothing here is written by hand, so a server change
 * that the UI does not follow fails `npm run typecheck`. Times are ISO 8601 strings; dates 'YYYY-MM-DD'.
 */
import { enumValues, type components, type paths } from '../../../src/api-contract/schema.ts';

type Schemas = components['schemas'];
type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;
/** The JSON body of an operation's success answer (200 or 201). */
export type ResponseOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: infer S }
    ? JsonOf<S>
    : R extends { 201: infer S }
      ? JsonOf<S>
      : never
  : never;
/** The JSON request body of an operation. */
export type BodyOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer T } } } ? T : never;
/** The query parameters of an operation. */
export type QueryOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
type ItemOf<T> = T extends { items: (infer I)[] } ? I : never;

export type Role = Schemas['Role'];
export const ROLES = enumValues.Role;
export type Permission = Schemas['Permission'];
export const PERMISSIONS = enumValues.Permission;
export type DepartmentKind = Schemas['DepartmentKind'];
export const DEPARTMENT_KINDS = enumValues.DepartmentKind;
/** 第六条: the enforcement activities recorded. */
export type Activity = Schemas['Activity'];
export const ACTIVITIES = enumValues.Activity;
/** 第十七条: was the party told that recording was on? */
export type PartyInformed = Schemas['PartyInformed'];
export const PARTY_INFORMED = enumValues.PartyInformed;
/** Where the media job is with a recording (probe, proxy, thumbnail). */
export type ProcessingState = Schemas['ProcessingState'];
export const PROCESSING_STATES = enumValues.ProcessingState;

export type Me = ResponseOf<'/api/auth/me', 'get'>;
export type LoginResponse = ResponseOf<'/api/auth/login', 'post'>;

export type Department = ResponseOf<'/api/departments/{id}', 'patch'>;
export type DepartmentInput = BodyOf<'/api/departments', 'post'>;

/** 执法人员 — a person in the register, with the 第七条 qualification of today. */
export type Person = ResponseOf<'/api/personnel/{id}', 'get'>;
export type PersonInput = BodyOf<'/api/personnel', 'post'>;
export type Qualification = Person['qualification'];
export type TrainingRecord = ItemOf<ResponseOf<'/api/personnel/{id}/training-records', 'get'>>;

export type User = ResponseOf<'/api/users/{id}', 'patch'>;
export type UserCreate = BodyOf<'/api/users', 'post'>;
export type UserPatch = BodyOf<'/api/users/{id}', 'patch'>;
export type ApiToken = ItemOf<ResponseOf<'/api/api-tokens', 'get'>>;
/** A new token with its secret (shown once, never stored by the server). */
export type CreatedApiToken = ResponseOf<'/api/api-tokens', 'post'>;

export type Setting = ItemOf<ResponseOf<'/api/settings', 'get'>>;
export type Job = ItemOf<ResponseOf<'/api/jobs', 'get'>>;
export type JobState = Job['state'];

export type AuditEvent = ItemOf<ResponseOf<'/api/audit-events', 'get'>>;
export type ChainStatus = ResponseOf<'/api/audit-chain', 'get'>;
export type ChainVerification = ResponseOf<'/api/audit-chain/verifications', 'post'>;
export type FixityAlerts = ResponseOf<'/api/fixity/alerts', 'get'>;

/** 声像资料 — one recording as the list returns it. */
export type Recording = ItemOf<ResponseOf<'/api/recordings', 'get'>>;
/** The detail view: the recording plus the corrections of its times. */
export type RecordingDetail = ResponseOf<'/api/recordings/{id}', 'get'>;
/** One correction of a recording's start or end (第十条: the late mark fixed at upload stays). */
export type TimeCorrection = RecordingDetail['corrections'][number];
/** 保管链: a recording's chain of custody (one page of its events). */
export type CustodyReport = ResponseOf<'/api/recordings/{id}/custody', 'get'>;
/** PATCH /api/recordings/:id — only the fields that change; `null` clears an optional one. */
export type RecordingPatch = BodyOf<'/api/recordings/{id}', 'patch'>;
/** The descriptive metadata sent with an upload (tus `metadata` key, JSON). */
export type RecordingMetadata = Schemas['RecordingMetadataInput'];
export type UploadResult = ResponseOf<'/api/upload-results/{id}', 'get'>;

/** GET /api/offload/days/:day — one Beijing day's hand-overs, one per officer. */
export type HandoverDay = ResponseOf<'/api/offload/days/{day}', 'get'>;
export type Handover = HandoverDay['items'][number];
export type LateOffloads = ResponseOf<'/api/offload/late', 'get'>;
export type TlogSeals = ResponseOf<'/api/tlog/seals', 'get'>;
export type TlogKeys = ResponseOf<'/api/tlog/keys', 'get'>;
export type TlogAttestations = ResponseOf<'/api/tlog/attestations', 'get'>;
export type TlogWitnesses = ResponseOf<'/api/tlog/witnesses', 'get'>;

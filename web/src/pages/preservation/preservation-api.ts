import type { DictKey } from '../../i18n/i18n-context.tsx';
import type { ResponseOf } from '../../api/shapes.ts';

/** Shapes of the preservation and media API, from the generated contract. */
export type Mark = ResponseOf<'/api/preservation-marks/{id}', 'get'>;
export type Ground = Mark['ground'];
export type MarkState = Mark['state'];
export type MediaSet = ResponseOf<'/api/media-sets/{id}', 'get'>;
export type Medium = ResponseOf<'/api/media', 'get'>['items'][number];
export type MediumDetail = ResponseOf<'/api/media/{id}', 'get'>;
export type MediaType = MediaSet['mediaType'];
export type MediumStatus = Medium['status'];
export type CheckRound = ResponseOf<'/api/media/check-rounds', 'get'>['items'][number];

/** 第十二条 (一)–(四), in the regulation's order. */
export const GROUNDS: Ground[] = ['objection', 'obstruction', 'incident', 'other'];
export const MEDIA_TYPES: MediaType[] = ['cd', 'dvd', 'bd', 'removable'];

export const groundKey = (g: Ground) => `pres.ground.${g}` as DictKey;
export const markStateKey = (s: MarkState) => `pres.state.${s}` as DictKey;
export const MARK_STATE_COLORS: Record<MarkState, string> = { proposed: 'processing', approved: 'success', rejected: 'default', released: 'default' };
export const mediumStatusKey = (s: MediumStatus) => `media.status.${s}` as DictKey;
export const MEDIUM_STATUS_COLORS: Record<MediumStatus, string> = { unchecked: 'default', ok: 'success', unreadable: 'error', missing: 'error', mismatch: 'error' };

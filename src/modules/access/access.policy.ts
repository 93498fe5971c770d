import type { Permission } from '../../platform/auth/permissions.ts';

/** 调阅方式: a grant lets its holder view, or view and copy. */
export type GrantMode = 'view' | 'copy';

/** The kinds of object an action names, and so which table its ids and filter refer to. */
export type Entity = 'recording' | 'person' | 'department' | 'device' | 'case';

/**
 * Every scoped action, the object it applies to and the permission(s) whose scopes it follows
 * (permissions.ts holds role → permission → scope). Services ask about actions, never about roles.
 * An action with `grant` is opened only by a live grant of one of those modes or by the media policy table
 * (media_access_policy), never by the permissions' scopes; the permissions must still be held.
 */
export const ACTIONS = {
  /** Read a recording's descriptive metadata (detail, list, search). */
  'recording.metadata.read': { entity: 'recording', permissions: ['recordings:read'] },
  /**
   * See a recording's pictures or sound (thumbnail, proxy, every range read). 第十四条: only under a live grant
   * (view or copy, break-glass included), or where the media policy table lets the role see it without one
   * (by default the uploader / a recording officer, for a few hours after upload). Role scopes alone never do.
   */
  'recording.media.view': { entity: 'recording', permissions: ['recordings:read'], grant: ['view', 'copy'] },
  /**
   * Write a recording's annotations and transcript (issue 8 §6): whoever sees its pictures and sound under a live
   * grant (view or copy, break-glass included), or the uploader / a recording officer within the own-footage
   * window of the media policy table (tagging, 第十条). A role that sees media only because an admin widened its
   * policy to its metadata reach reads annotations but does not write them. Reading them is 'recording.media.view'.
   */
  'recording.annotate': { entity: 'recording', permissions: ['recordings:read'], grant: ['view', 'copy'] },
  /**
   * Take a copy out: the watermarked proxy download and the original's untouched bytes. 第二十条: only under a
   * live copy grant; the policy table has no exception for copies.
   */
  'recording.copy': { entity: 'recording', permissions: ['recordings:read'], grant: ['copy'] },
  /**
   * Put a recording's original into an evidence package (第十三条, issue 13 §5): a copy taken out, so — as for
   * 'recording.copy' (第二十条) — only under a live copy grant; the policy table has no exception for it.
   */
  'recording.package': { entity: 'recording', permissions: ['recordings:read'], grant: ['copy'] },
  /**
   * Read a recording's chain of custody (保管链: every event from ingest to now, with the audit sequence numbers
   * that prove them). Metadata only, never pictures or sound, so a grant neither opens nor is needed for it.
   */
  'recording.custody.read': { entity: 'recording', permissions: ['custody:read'] },
  /** Edit a recording's descriptive metadata. */
  'recording.edit': { entity: 'recording', permissions: ['recordings:edit'] },
  /** Upload into a department. */
  'recording.upload': { entity: 'department', permissions: ['recordings:upload'] },
  /**
   * Move a recording one may edit into a department: where one may upload or edit (only department and
   * global scopes name departments, so an officer's `own` edit scope adds none).
   */
  'recording.move': { entity: 'department', permissions: ['recordings:upload', 'recordings:edit'] },
  /** See a person's hand-overs and late offloads (第十条). */
  'offload.read': { entity: 'person', permissions: ['offload:read'] },
  /** Confirm a person's daily hand-over: only their own department's custodians (第十条). */
  'offload.confirm': { entity: 'person', permissions: ['offload:confirm'] },
  /** Read a person of the register. */
  'person.read': { entity: 'person', permissions: ['people:read'] },
  /** Name a person as a recording officer on an upload or an edit. */
  'person.tag': { entity: 'person', permissions: ['recordings:upload', 'recordings:edit'] },
  /** See a device of the register, its history and usage (第十五条). */
  'device.read': { entity: 'device', permissions: ['devices:read'] },
  /** Change a device: details, maintenance log, repair tickets, retirement (第十八、十九条). */
  'device.manage': { entity: 'device', permissions: ['devices:manage'] },
  /** Register or import devices into a department, or move one there. */
  'device.register': { entity: 'department', permissions: ['devices:manage'] },
  /** Check a device out or take it back, with the pre-use check (第十八条). */
  'device.checkout': { entity: 'device', permissions: ['devices:checkout'] },
  /** Report a fault (第十九条: stop using it at once and report). */
  'device.fault': { entity: 'device', permissions: ['devices:fault'] },
  /** Approve a repair ticket and its cost (第十九条). */
  'device.approve': { entity: 'device', permissions: ['devices:approve'] },
  /** Read a case (案件): its parties masked, officers, stages, links, checklist, deadlines. */
  'case.read': { entity: 'case', permissions: ['cases:read'] },
  /** Handle a case: stages, parties, officers, links, written reasons, deadlines. */
  'case.edit': { entity: 'case', permissions: ['cases:write'] },
  /** File a case in a department (立案). */
  'case.create': { entity: 'department', permissions: ['cases:write'] },
  /** See a party's ID number in full; each reveal is audited (个人信息保护法 art. 51). */
  'case.party.reveal': { entity: 'case', permissions: ['cases:reveal'] },
  /**
   * Consult the case file's content: a document's bytes, the bound PDF (第十四条: case files are not consulted
   * without approval — here, by holding the case: its officers, the department's custodian and leader, the
   * supervisor; the admin and the auditor see the list, never the content). Every read is audited.
   */
  'case.file.read': { entity: 'case', permissions: ['casefiles:read'] },
  /**
   * Make a case's evidence package: it carries the case file PDF, so whoever may consult the case file's content
   * (and each linked recording needs 'recording.package' besides).
   */
  'case.package': { entity: 'case', permissions: ['casefiles:read'] },
  /** Compile the case file (立卷): upload documents, build the PDF. */
  'case.file.write': { entity: 'case', permissions: ['casefiles:write'] },
  /** Archive the case file (归档): the department's custodian or leader. */
  'case.file.archive': { entity: 'case', permissions: ['casefiles:archive'] },
  /** 第十二条: propose long-term preservation of a recording (one of the four grounds). */
  'recording.preserve.propose': { entity: 'recording', permissions: ['preservation:propose'] },
  /** 第十二条: approve or release a long-term preservation mark covering this recording (never one's own proposal). */
  'recording.preserve.approve': { entity: 'recording', permissions: ['preservation:approve'] },
  /** See a department's disc / removable-media sets, volumes, registered media and their checks. */
  'disc.read': { entity: 'department', permissions: ['discs:read'] },
  /**
   * Build a set in a department, download its images (copies of originals, each download audited), register
   * a medium and record its checks.
   */
  'disc.write': { entity: 'department', permissions: ['discs:write'] },
  /** Put a recording (of an approved mark) on a disc set: the builder must reach it. */
  'recording.disc': { entity: 'recording', permissions: ['discs:write'] },
} as const satisfies Record<string, { entity: Entity; permissions: readonly Permission[]; grant?: readonly GrantMode[] }>;

export type Action = keyof typeof ACTIONS;

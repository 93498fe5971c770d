/**
 * The one error catalog. Every error the API, the workers or the CLI report has a stable code here,
 * an HTTP status and a message in Chinese (primary) and English. `{name}` placeholders are filled
 * from the error's params.
 */
export const errorCatalog = {
  VALIDATION_FAILED: { status: 400, zh: '输入有误，请检查标出的字段', en: 'The input is invalid; see the fields listed' },
  BODY_TOO_LARGE: { status: 413, zh: '请求内容过大', en: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, zh: '不支持的内容类型', en: 'Unsupported content type' },
  INVALID_CURSOR: { status: 400, zh: '分页游标无效，请从第一页重新查询', en: 'The page cursor is invalid; start again from the first page' },
  REQUEST_TIMEOUT: {
    status: 408,
    zh: '请求内容未在 {seconds} 秒内送达，连接已关闭，请重试',
    en: 'The request body did not arrive within {seconds} s; the connection was closed, please retry',
  },
  NOT_FOUND: { status: 404, zh: '找不到请求的资源', en: 'The requested resource was not found' },
  ROUTE_NOT_FOUND: { status: 404, zh: '接口不存在', en: 'No such API route' },
  UNAUTHENTICATED: { status: 401, zh: '请先登录', en: 'Please log in first' },
  SESSION_EXPIRED: { status: 401, zh: '登录已过期，请重新登录', en: 'Your session has expired; please log in again' },
  TOKEN_INVALID: { status: 401, zh: 'API 令牌无效、已过期或已撤销', en: 'The API token is invalid, expired or revoked' },
  LOGIN_FAILED: { status: 401, zh: '用户名或密码错误', en: 'Wrong username or password' },
  // Answered alike for known and unknown account names, so it tells nobody which names exist.
  LOGIN_THROTTLED: {
    status: 429,
    zh: '密码错误次数过多，请 {seconds} 秒后再试',
    en: 'Too many wrong passwords; try again in {seconds} seconds',
  },
  SESSION_REQUIRED: {
    status: 403,
    zh: '此操作只能在网页登录后进行，不能使用 API 令牌（令牌不能创建新令牌或修改密码）',
    en: 'This needs an interactive login, not an API token (a token cannot create tokens or change the password)',
  },
  ACCOUNT_DISABLED: { status: 403, zh: '账户已停用，请联系管理员', en: 'This account is disabled; contact an administrator' },
  FORBIDDEN: { status: 403, zh: '您没有执行此操作的权限（需要：{permission}）', en: 'You do not have permission for this action (needs: {permission})' },
  DEPARTMENT_OUT_OF_SCOPE: { status: 400, zh: '您不能把声像资料归入该部门（不在您的部门范围内）', en: 'You cannot file recordings in that department (outside your departments)' },
  CSRF_FAILED: { status: 403, zh: '安全校验失败，请刷新页面后重试', en: 'Security check failed (CSRF); reload the page and try again' },
  CONFLICT: { status: 409, zh: '{what}已存在', en: '{what} already exists' },
  DEPARTMENT_CYCLE: { status: 409, zh: '不能把部门移到它自己或其下级部门之下', en: 'A department cannot be moved under itself or one of its sub-departments' },
  DEPARTMENT_NOT_FOUND: { status: 400, zh: '所选部门不存在', en: 'The selected department does not exist' },
  PERSON_NOT_FOUND: { status: 400, zh: '所选人员不存在', en: 'The selected person does not exist' },
  LAST_ADMIN: { status: 409, zh: '不能移除最后一个系统管理员', en: 'The last administrator cannot be removed or disabled' },
  AUDIT_NO_ACTOR: { status: 500, zh: '审计事件缺少操作人', en: 'An audit event must name its actor' },
  AUDIT_NO_TRANSACTION: { status: 500, zh: '审计事件必须与变更在同一事务中写入', en: 'An audit event must be written inside the transaction of its change' },
  SERVICE_UNAVAILABLE: { status: 503, zh: '服务暂不可用', en: 'Service unavailable' },
  INTERNAL: { status: 500, zh: '服务器内部错误，请联系管理员并提供请求编号', en: 'Internal server error; contact an administrator with the request id' },
  // Recordings, uploads and media (src/modules/recordings, uploads, media).
  OFFICER_NOT_QUALIFIED: {
    status: 422,
    zh: '{name} 在 {on} 不具备执法记录主体资格：{reasons}',
    en: '{name} may not be a recording officer on {on}: {reasons}',
  },
  UPLOAD_METADATA_MISSING: {
    status: 400,
    zh: '上传缺少声像资料信息（部门、执法人员、开始时间、执法活动、是否告知当事人）',
    en: 'The upload lacks the recording metadata (department, officers, start time, activity, party informed)',
  },
  FILE_NAME_INVALID: { status: 400, zh: '文件名无效：{reason}', en: 'Invalid file name: {reason}' },
  UPLOAD_NOT_FOUND: { status: 404, zh: '上传任务不存在或不属于您', en: 'No such upload, or it is not yours' },
  UPLOAD_TOO_LARGE: { status: 413, zh: '文件超过上传大小上限（{maxBytes} 字节）', en: 'The file exceeds the upload size limit ({maxBytes} bytes)' },
  EMPTY_FILE: { status: 400, zh: '文件为空（0 字节），未保存', en: 'The file is empty (0 bytes) and was not stored' },
  UPLOAD_REJECTED: {
    status: 409,
    zh: '该上传已被拒绝（{reason}），未入库；请核对后重新上传',
    en: 'This upload was refused ({reason}) and not stored; check it and upload the file again',
  },
  UPLOAD_BUSY: {
    status: 423,
    zh: '该上传正由另一个请求（可能在另一台服务器上）写入，请稍后重试',
    en: 'Another request (possibly on another server) is writing this upload; try again shortly',
  },
  UPLOAD_ALREADY_FINISHED: { status: 409, zh: '该上传已完成，不能再取消', en: 'This upload has already finished and can no longer be cancelled' },
  ORIGINAL_MISMATCH: {
    status: 409,
    zh: '服务器上同一 SHA-256 的原始文件记录了不同的 SM3 或大小，未入库，请联系管理员',
    en: 'The server records a different SM3 or size for an original with this SHA-256; nothing was stored. Contact an administrator',
  },
  RECEIPT_EXISTS: { status: 409, zh: '该执法人员当天的交接回执已确认', en: 'That officer’s hand-over for that day is already confirmed' },
  // Object store (src/platform/storage) and media tools (src/platform/media).
  HASH_MISMATCH: {
    status: 422,
    zh: '文件校验值不一致：收到内容的 SHA-256 为 {actual}，应为 {expected}。文件未入库，已单独留存备查',
    en: 'Checksum mismatch: the received content has SHA-256 {actual}, expected {expected}. It was not stored and has been set aside for inspection',
  },
  OBJECT_TOO_LARGE: { status: 413, zh: '文件超过允许的大小（{maxBytes} 字节），未保存', en: 'The file exceeds the allowed size ({maxBytes} bytes) and was not saved' },
  STORAGE_FULL: { status: 507, zh: '存储空间已满，文件未保存，请联系管理员扩容', en: 'Storage is full; the file was not saved. Ask an administrator to add space' },
  STORAGE_WRITE_FAILED: { status: 500, zh: '写入存储失败（{reason}），未保存任何内容', en: 'Writing to storage failed ({reason}); nothing was saved' },
  INVALID_OBJECT_KEY: { status: 400, zh: '文件标识无效（应为 64 位小写十六进制的 SHA-256 值）', en: 'Invalid object key (expected a SHA-256 as 64 lowercase hex characters)' },
  OBJECT_NOT_FOUND: { status: 404, zh: '存储中找不到该文件（{key}）', en: 'The stored file was not found ({key})' },
  RETENTION_SHORTEN_REFUSED: {
    status: 409,
    zh: '保存期限只能延长、不能缩短（当前保存至 {current}，请求 {requested}）',
    en: 'A retention period can only be extended, never shortened (kept until {current}; asked for {requested})',
  },
  // 第十一、二十条 retention table, holds and disposal.
  RETENTION_DELETE_REFUSED: { status: 409, zh: '保存期限未满或处于保全中，存储拒绝删除（{key}，保存至 {until}）', en: 'The store refuses deletion: retention not over or on hold ({key}, kept until {until})' },
  RETENTION_BELOW_MINIMUM: { status: 400, zh: '声像资料保存期限不得少于 6 个月（第十一条）：{category}', en: 'AV must be kept at least 6 months (art. 11): {category}' },
  RETENTION_SELF_APPROVAL: { status: 403, zh: '不能审批自己提出的保存期限表或销毁批次', en: 'You cannot approve a retention table version or disposal batch you proposed' },
  RETENTION_VERSION_DECIDED: { status: 409, zh: '保存期限表第 {version} 版已审批或已被更新版本取代', en: 'Retention table version {version} was already approved or superseded' },
  RETENTION_HOLD_RELEASED: { status: 409, zh: '该保全已解除', en: 'This hold was already released' },
  RETENTION_NOT_DUE: {
    status: 409,
    zh: '声像资料或案卷未到销毁条件（未到保存期限、处于保全中或已在销毁流程中），拒绝销毁并已记录（第二十条）：{ids}',
    en: 'Not due for disposal (retention not over, held, or already in a batch); refused and recorded (art. 20): {ids}',
  },
  DISPOSAL_NOTHING_DUE: { status: 409, zh: '当前没有到期可销毁的声像资料或案卷', en: 'Nothing is due for disposal now' },
  DISPOSAL_BATCH_DECIDED: { status: 409, zh: '该销毁批次已审批', en: 'This disposal batch was already approved' },
  DISPOSAL_ITEM_FINAL: { status: 409, zh: '该项已恢复或已销毁，不能再更改', en: 'This item was already restored or destroyed' },
  DISPOSAL_NOT_APPROVED: {
    status: 409,
    zh: '该声像资料或案卷没有已审批且已过冷静期的销毁批次，拒绝删除并已记录（第二十条）',
    en: 'No approved disposal past its grace period covers this recording or case file; deletion refused and recorded (art. 20)',
  },
  RANGE_NOT_SATISFIABLE: { status: 416, zh: '请求的字节范围无效（文件大小 {size} 字节）', en: 'The requested byte range is not satisfiable (file size {size} bytes)' },
  MEDIA_UNREADABLE: { status: 422, zh: '无法读取该音视频或图片文件：{reason}', en: 'The media file cannot be read: {reason}' },
  MEDIA_UNSUPPORTED: { status: 422, zh: '该文件不支持此处理：{reason}', en: 'This file cannot be processed this way: {reason}' },
  MEDIA_TOOL_FAILED: { status: 500, zh: '音视频处理失败（{tool}）：{detail}', en: 'Media processing failed ({tool}): {detail}' },
  MEDIA_TIMEOUT: { status: 500, zh: '音视频处理超时（{tool}，{seconds} 秒）', en: 'Media processing timed out ({tool}, {seconds} s)' },
  // 第十四条 viewing by approval (access requests, grants, break-glass).
  ACCESS_SELF_APPROVAL: { status: 403, zh: '不能审批自己的调阅申请', en: 'You cannot decide your own access request' },
  ACCESS_NOT_APPROVER: {
    status: 403,
    zh: '您不能审批此申请：{reason}',
    en: 'You cannot decide this request: {reason}',
  },
  ACCESS_REQUEST_DECIDED: { status: 409, zh: '该申请已处理（{state}），不能再次处理', en: 'This request has already been decided ({state})' },
  ACCESS_MIXED_DEPARTMENTS: {
    status: 400,
    zh: '所选声像资料属于不同部门，请按部门分别申请',
    en: 'The chosen recordings belong to different departments; make one request per department',
  },
  ACCESS_NARROWING_ONLY: { status: 400, zh: '批准的范围只能缩小，不能扩大：{what}', en: 'An approval may only narrow the request: {what}' },
  ACCESS_NOTHING_MATCHED: { status: 409, zh: '没有符合条件的声像资料，无法批准；请驳回', en: 'No recording matches; nothing can be approved, deny the request instead' },
  ACCESS_GRANT_ENDED: { status: 409, zh: '该授权已结束（{state}）', en: 'This grant has already ended ({state})' },
  ACCESS_REVIEW_NOT_PENDING: { status: 409, zh: '该紧急调阅不在待复核状态', en: 'This emergency access is not waiting for review' },
  // Playback and copies (src/modules/playback; 第十四条, 第二十条).
  MEDIA_NOT_READY: { status: 409, zh: '该声像资料还没有可播放的版本（处理中或无法处理）', en: 'This recording has no playable version yet (processing, or it cannot be processed)' },
  PLAYBACK_SESSION_ENDED: {
    status: 409,
    zh: '播放会话已结束（{reason}），请重新打开播放',
    en: 'The playback session has ended ({reason}); open the player again',
  },
  RECORDING_DISPOSED: {
    status: 410,
    zh: '声像资料「{fileName}」已依批准销毁（{at}），文件已删除，只保留销毁记录，不能再播放、复制、打包或申请调阅{more}',
    en: 'The recording “{fileName}” was destroyed by approved disposal ({at}); its files are gone and only the disposal record stays, so it cannot be played, copied, packaged or requested{more}',
  },
  CASE_FILE_DISPOSED: { status: 410, zh: '该案卷已依批准销毁（{at}），文件已删除，销毁记录保留', en: 'This case file was destroyed by approved disposal ({at}); its files are gone, the disposal record stays' },
  COPY_EXPIRED: {
    status: 410,
    zh: '副本文件已超过 {hours} 小时被清除，请重新制作副本',
    en: 'The copy was removed after {hours} hours; make the copy again',
  },
  WATERMARK_FONT_MISSING: {
    status: 503,
    zh: '服务器缺少中文字体，无法生成带水印的副本（请安装 fonts-noto-cjk）',
    en: 'The server has no CJK font to burn the watermark in (install fonts-noto-cjk)',
  },
  // Case documents, the bound case file and archiving (src/modules/case-files; 第九条, 第十四条).
  DOCUMENT_NOT_SUPPORTED: {
    status: 415,
    zh: '只能上传 PDF 或图片（JPEG、PNG）文书；该文件的内容不是这些格式，未保存',
    en: 'Only PDF or image (JPEG, PNG) documents can be uploaded; this file is none of these and was not stored',
  },
  DOCUMENT_ENCRYPTED: {
    status: 422,
    zh: '该 PDF 已加密（设有密码或权限限制），无法装订入卷，未保存；请上传未加密的文件',
    en: 'This PDF is encrypted (password or permission restrictions) and cannot be bound into a case file; it was not stored. Upload an unencrypted file',
  },
  DOCUMENT_BROKEN: { status: 422, zh: '文件已损坏，无法读取（{reason}），未保存', en: 'The file is damaged and cannot be read ({reason}); it was not stored' },
  DOCUMENT_TOO_MANY_PAGES: {
    status: 422,
    zh: '该文书共 {pages} 页，超过每份文书 {max} 页的上限，未保存；请分册上传',
    en: 'This document has {pages} pages, more than the limit of {max} per document; it was not stored. Upload it in parts',
  },
  DOCUMENT_TYPE_UNKNOWN: { status: 400, zh: '文书类型“{type}”不在案卷模板中', en: 'Document type "{type}" is not in the case-file template' },
  CASE_ARCHIVED: {
    status: 409,
    zh: '该案卷已于 {on} 归档（归档号 {number}），只读，不能再修改',
    en: 'This case file was archived on {on} (archive number {number}); it is read-only and cannot be changed',
  },
  SUPERSEDE_REASON_REQUIRED: {
    status: 400,
    zh: '替换文书须写明理由（例如“原送达回证误录为未签收，现上传签收件”）',
    en: 'Replacing a document needs a written reason (e.g. "the receipt was recorded unsigned; the signed one is uploaded")',
  },
  SUPERSEDE_SELF: { status: 400, zh: '文书不能替换它自己', en: 'A document cannot replace itself' },
  SUPERSEDE_OTHER_CASE: {
    status: 400,
    zh: '替换用的文书不是本案的文书；只能用同一案件的文书替换',
    en: 'The replacement is not a document of this case; a document can only be replaced by one of the same case',
  },
  DOCUMENT_ALREADY_SUPERSEDED: {
    status: 409,
    zh: '文书“{title}”已于 {on} 被替换，不能再次替换',
    en: 'Document "{title}" was already replaced on {on}; it cannot be replaced again',
  },
  REPLACEMENT_SUPERSEDED: {
    status: 409,
    zh: '替换用的文书“{title}”本身已被替换，请改用现行文书',
    en: 'The replacement "{title}" has itself been replaced; use the document in force',
  },
  CASE_LOCKED: { status: 409, zh: '该案件已归档，案卷只读，不能再修改', en: 'This case is archived; its case file is read-only and cannot be changed' },
  CASE_FILE_INCOMPLETE: {
    status: 409,
    zh: '案卷评查未通过，不能归档：{problems}',
    en: 'The case file review found problems; it cannot be archived: {problems}',
  },
  CASE_FILE_FONT_MISSING: {
    status: 503,
    zh: '服务器缺少中文字体，无法生成案卷（请安装 fonts-noto-cjk）',
    en: 'The server has no CJK font to generate the case file (install fonts-noto-cjk)',
  },
  CASE_FILE_BUILD_FAILED: { status: 500, zh: '案卷生成失败：{reason}', en: 'Building the case file failed: {reason}' },
  CASE_FILE_NOT_BUILT: { status: 404, zh: '该案件尚未生成案卷', en: 'No case file has been built for this case yet' },
  // Recording devices (src/modules/devices, 第十五至二十条).
  DEVICE_NOT_FOUND: { status: 400, zh: '设备编号 {number} 未登记', en: 'Device number {number} is not in the register' },
  DEVICE_ALREADY_OUT: { status: 409, zh: '设备 {number} 已由 {name} 领用（{since}），未归还', en: 'Device {number} is already checked out to {name} (since {since})' },
  DEVICE_NOT_AVAILABLE: { status: 409, zh: '设备 {number} 当前为“{status}”，不能领用', en: 'Device {number} is {status} and cannot be checked out' },
  DEVICE_TYPE_ALREADY_HELD: {
    status: 409,
    zh: '{name} 已领用同类设备 {number}，须先归还才能再领用一台',
    en: '{name} already holds a device of this type ({number}); return it first',
  },
  DEVICE_MAINTENANCE_OVERDUE: {
    status: 409,
    zh: '设备 {number} 的定期保养已于 {due} 到期，保养登记后才能领用（第十八条）',
    en: 'Device {number} was due for maintenance on {due}; record the maintenance before checkout (第十八条)',
  },
  DEVICE_CHECK_FAILED: { status: 422, zh: '设备 {number} 使用前检查未通过：{reasons}', en: 'Device {number} failed its pre-use check: {reasons}' },
  DEVICE_NOT_CHECKED_OUT: { status: 409, zh: '设备 {number} 未被领用，无需归还', en: 'Device {number} is not checked out' },
  DEVICE_RETIRED: { status: 409, zh: '设备 {number} 已报废，不能再变更', en: 'Device {number} is retired and cannot be changed' },
  DEVICE_IN_USE: { status: 409, zh: '设备 {number} 正在使用中，请先归还', en: 'Device {number} is checked out; return it first' },
  REPAIR_STATE: { status: 409, zh: '维修单当前为“{status}”，不能{action}', en: 'The repair ticket is {status}; cannot {action}' },
  DEVICE_FILE_UNREADABLE: { status: 400, zh: '无法读取导入文件：{reason}', en: 'The import file cannot be read: {reason}' },
  // Reports as PDF (src/platform/pdf; the custody report, later the case file and evidence package).
  PDF_FONT_MISSING: {
    status: 503,
    zh: '服务器缺少中文字体，无法生成 PDF（请安装 fonts-noto-cjk；查找位置：{paths}）',
    en: 'The server has no CJK font to write the PDF (install fonts-noto-cjk; looked in: {paths})',
  },
  CUSTODY_CURSOR_EXPIRED: {
    status: 409,
    zh: '该保管链报告已打开超过 {minutes} 分钟，请重新打开以查看后续记录',
    en: 'This custody report was opened more than {minutes} minutes ago; open it again to see further events',
  },
  // Cases (src/modules/cases; 第二、七、十三、十六条).
  CASE_NUMBER_TAKEN: { status: 409, zh: '案件编号 {caseNumber} 已存在', en: 'Case number {caseNumber} already exists' },
  CASE_OFFICERS_TOO_FEW: {
    status: 422,
    zh: '{procedure}案件须有至少 {min} 名具备执法资格的承办人员（第七条），现有 {count} 名',
    en: 'A {procedure} case needs at least {min} qualified handling officers (Art. 7); it has {count}',
  },
  CASE_STAGE_SAME: { status: 409, zh: '案件已处于「{stage}」阶段', en: 'The case is already at stage {stage}' },
  CASE_STAGE_NOT_APPLICABLE: { status: 400, zh: '{procedure}没有「{stage}」阶段', en: 'The {procedure} has no {stage} stage' },
  CASE_STAGE_REASON_REQUIRED: {
    status: 400,
    zh: '从「{from}」到「{to}」{what}，须填写理由',
    en: 'Moving from {from} to {to} {what}; a reason is required',
  },
  CASE_STAGE_DATE: { status: 400, zh: '阶段日期 {on} 不能早于 {earliest}，也不能晚于今天', en: 'The stage date {on} may not be before {earliest} or after today' },
  CASE_LINK_EXISTS: { status: 409, zh: '该声像资料已关联到本案的「{stage}」阶段', en: 'This recording is already linked to this case at stage {stage}' },
  CASE_LINK_ENDED: { status: 409, zh: '该关联已于 {at} 解除', en: 'This link was already removed on {at}' },
  CASE_ACT_KIND_UNKNOWN: { status: 400, zh: '音像记录事项清单中没有执法类别「{actKind}」', en: 'The recording checklist has no enforcement category "{actKind}"' },
  DEADLINE_DELIVERED: { status: 409, zh: '该期限的证据已于 {on} 提交', en: 'The evidence for this deadline was already delivered on {on}' },
  // The rest of the case stays readable (the masked form is stored apart); only the full number is out of reach.
  PARTY_KEY_UNAVAILABLE: {
    status: 503,
    zh: '该当事人的证件号码是用另一把密钥（{keyId}）加密的，本节点的 keys/party-id-aes256gcm.key 不是那把密钥，暂时无法显示全号（脱敏号码和案件其余内容不受影响）。请系统管理员从备份恢复原密钥文件后重试；本次尝试已记入审计日志',
    en: 'This party’s ID number was encrypted with another key ({keyId}); this node’s keys/party-id-aes256gcm.key is not that key, so the full number cannot be shown for now (the masked number and the rest of the case are unaffected). An administrator must restore the original key file from backup; this attempt was audited',
  },
  PARTY_ID_UNREADABLE: {
    status: 409,
    zh: '该当事人证件号码的密文未通过完整性校验（已损坏或被改动），无法显示全号（脱敏号码和案件其余内容不受影响）。本次尝试已记入审计日志，请联系系统管理员核查',
    en: 'This party’s stored ID number failed its integrity check (damaged or altered) and cannot be shown (the masked number and the rest of the case are unaffected). This attempt was audited; ask an administrator to investigate',
  },
  // Annotations and transcripts (src/modules/annotations; issue 8 §6).
  ANNOTATION_NO_DURATION: {
    status: 409,
    zh: '该声像资料的时长尚未确定（仍在处理，或是图片），暂不能添加标注或转写',
    en: 'This recording’s duration is not known (still processing, or a picture); it cannot be annotated yet',
  },
  ANNOTATION_BEYOND_DURATION: {
    status: 400,
    zh: '时间段超出了声像资料的时长（{duration}）',
    en: 'The time range goes beyond the recording’s duration ({duration})',
  },
  ANNOTATION_STALE: {
    status: 409,
    zh: '该条目已被修改（当前为第 {current} 版，您修改的是第 {version} 版），未保存；请刷新后再改',
    en: 'This entry has changed (it is at version {current}, you edited version {version}); nothing was saved, reload and edit again',
  },
  ANNOTATION_DELETED: { status: 409, zh: '该条目已删除（第 {version} 版），不能再修改', en: 'This entry was deleted (version {version}); it can no longer be changed' },
  ANNOTATION_READ_ONLY: {
    status: 403,
    zh: '您可以查看此声像资料的标注和转写，但添加或修改须持有效调阅授权（或在上传后的标注时限内）',
    en: 'You may read this recording’s annotations and transcript, but writing them needs a live access grant (or the tagging window after upload)',
  },
  // The transparency log (src/modules/tlog; 第十三条).
  TLOG_NO_CHECKPOINT: { status: 404, zh: '没有该树大小的已签名检查点', en: 'No signed checkpoint of that tree size' },
  TLOG_BAD_PROOF_RANGE: { status: 400, zh: '证明的序号或树大小超出已并入日志的范围', en: 'The sequence number or tree size is outside the integrated log' },
  TLOG_NO_TILE: { status: 404, zh: '没有该日志瓦片', en: 'No such log tile' },
  // Evidence packages (src/modules/evidence-packages; 第十三条).
  EVIDENCE_PACKAGE_EMPTY: { status: 409, zh: '该案件没有关联的声像资料，无法生成证据包', en: 'The case has no linked recordings to package' },
  EVIDENCE_PACKAGE_NOT_READY: { status: 409, zh: '证据包尚未生成完成（{state}）', en: 'The evidence package is not ready ({state})' },
  EVIDENCE_PACKAGE_FILE_MISSING: { status: 410, zh: '证据包文件已不在数据目录中', en: 'The evidence package file is no longer in the data folder' },
  EVIDENCE_PACKAGE_NOT_CASE: { status: 409, zh: '该证据包不属于此案件', en: 'This evidence package is not one of this case' },
  TLOG_WITNESS_BAD_KEY: { status: 400, zh: '见证者公钥格式不正确（应为 C2SP cosignature/v1 验证密钥：名称+密钥ID+base64）', en: 'Not a witness verifier key (C2SP cosignature/v1: name+keyid+base64)' },
  TLOG_WITNESS_EXISTS: { status: 409, zh: '该见证者公钥或名称已登记', en: 'This witness key or name is already registered' },
  TLOG_COSIGNATURE_MALFORMED: { status: 400, zh: '副署格式不正确（应为 cosignature/v1 签名行及检查点正文）', en: 'Malformed cosignature (a cosignature/v1 line and the checkpoint text are required)' },
  TLOG_COSIGNATURE_UNKNOWN_WITNESS: { status: 403, zh: '该见证者未经管理员登记，副署不予接受', en: 'This witness is not registered by an administrator; the cosignature is not accepted' },
  TLOG_COSIGNATURE_UNKNOWN_CHECKPOINT: { status: 404, zh: '本系统未签署该检查点', en: 'This system never signed that checkpoint' },
  TLOG_COSIGNATURE_BAD_SIGNATURE: { status: 400, zh: '副署签名验证失败', en: 'The cosignature does not verify' },
  // 第十二条 long-term preservation and disc / removable-media sets (src/modules/preservation, media-sets).
  PRESERVATION_SELF_APPROVAL: { status: 403, zh: '不能审批自己提出的长期保存标记', en: 'You cannot approve a long-term preservation mark you proposed' },
  PRESERVATION_STATE: { status: 409, zh: '该长期保存标记当前为“{state}”，不能{what}', en: 'This long-term preservation mark is {state}; it cannot be {what}' },
  PRESERVATION_ORIGINAL_MISSING: {
    status: 409,
    zh: '声像资料 {file} 的原始文件不在存储中，无法设置法律保全；请先修复存储',
    en: 'The original of {file} is not in the store, so no legal hold can be set on it; repair the store first',
  },
  MEDIA_NOTHING_TO_BURN: { status: 400, zh: '没有可刻录的已批准长期保存标记', en: 'No approved long-term preservation mark to put on a medium' },
  MEDIA_FILE_TOO_LARGE: {
    status: 422,
    zh: '{file}（{size} 字节）超过单卷容量 {volume} 字节（含清单与校验程序），请选择容量更大的介质',
    en: '{file} ({size} bytes) exceeds the volume capacity of {volume} bytes (with manifest and verifier); choose a larger medium',
  },
  MEDIA_SET_NOT_BUILT: { status: 409, zh: '该介质集尚未生成完成（{state}）', en: 'This media set is not built yet ({state})' },
  MEDIA_TOOL_MISSING: { status: 503, zh: '服务器未安装光盘映像工具 xorriso', en: 'The disc image tool xorriso is not installed on the server' },
  MEDIUM_IMAGE_UNREADABLE: { status: 422, zh: '上传的映像无法读取：{reason}', en: 'The uploaded image cannot be read: {reason}' },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

export type ErrorCode = keyof typeof errorCatalog;
export type Locale = 'zh-CN' | 'en';

/** Fills `{name}` placeholders of a catalog message in the given language. */
/** Text given in both languages; the one of the request is used. */
export interface Bilingual {
  zh: string;
  en: string;
}
export type ParamValue = string | number | Bilingual;

const CJK = /[\u3400-\u9fff]/;

/**
 * The text in the given language: a Bilingual picks its half; a string written as "English / 中文" (or
 * the other way round) gives the half in that language; anything else is used as it is.
 */
export function inLocale(v: ParamValue, locale: Locale): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object') return locale === 'en' ? v.en : v.zh;
  const parts = v.split(' / ');
  if (parts.length !== 2) return v;
  const [a, b] = parts as [string, string];
  if (!CJK.test(a) && !CJK.test(b)) return v;
  // The half without Chinese is the English one; when both hold Chinese (an English message naming a
  // Chinese value), the written order "English / 中文" decides.
  const [en, zh] = CJK.test(a) && !CJK.test(b) ? [b, a] : [a, b];
  return locale === 'en' ? en : zh;
}

export function errorMessage(code: ErrorCode, locale: Locale, params: Record<string, ParamValue> = {}): string {
  const entry = errorCatalog[code];
  const template = locale === 'en' ? entry.en : entry.zh;
  return template.replace(/\{(\w+)\}/g, (_, k: string) => (params[k] === undefined ? `{${k}}` : inLocale(params[k]!, locale)));
}

/** An error's message and field messages in one language. */
export function localizeError(e: AppError, locale: Locale): { message: string; fields?: Record<string, string> } {
  const fields = e.fields && Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k, inLocale(v, locale)]));
  return { message: errorMessage(e.code, locale, e.params), ...(fields && Object.keys(fields).length && { fields }) };
}

/**
 * A domain error. Services, workers and the CLI throw these, never HTTP exceptions;
 * the HTTP layer maps them to `{ code, message, requestId, fields? }`.
 */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly params: Record<string, ParamValue> = {},
    /** Field-level messages, keyed by field path (`certificate.validUntil`). */
    readonly fields?: Record<string, ParamValue>,
  ) {
    super(errorMessage(code, 'en', params));
    this.name = 'AppError';
    this.status = errorCatalog[code].status;
  }
}

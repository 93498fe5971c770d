import type { App, FormInstance } from 'antd';
import { ApiError } from '../api/client.ts';
import { currentLanguage } from '../i18n/language-store.ts';

/**
 * antd's message API needs the <App> context (theme, locale). A bridge component inside <App>
 * registers it here so that plain functions (error handlers of API calls) can use it too.
 */
type MessageInstance = ReturnType<typeof App.useApp>['message'];
let messageApi: MessageInstance | undefined;
export function setMessageApi(api: MessageInstance | undefined): void {
  messageApi = api;
}

export function notifySuccess(text: string): void {
  void messageApi?.success(text);
}

const CJK = /[\u3400-\u9fff]/;

/**
 * Some server field messages are bilingual ("department not found / 部门不存在", in either order):
 * keep the half in the UI language.
 */
export function localizeFieldMessage(message: string): string {
  const parts = message.split(' / ');
  if (parts.length !== 2) return message;
  const zhPart = parts.find((p) => CJK.test(p));
  const enPart = parts.find((p) => !CJK.test(p));
  if (!zhPart || !enPart) return message;
  return currentLanguage() === 'en' ? enPart : zhPart;
}

/** Shows an API (or unexpected) error: the server's message, with the request id for support. */
export function notifyError(e: unknown): void {
  if (e instanceof ApiError) {
    // 401 is handled by sending the user to the login page; no toast over the login form.
    if (e.status === 401 && e.code !== 'LOGIN_FAILED') return;
    const extra = e.status >= 500 && e.requestId ? ` (${e.requestId})` : '';
    void messageApi?.error(`${e.message}${extra}`, 5);
    return;
  }
  void messageApi?.error(e instanceof Error ? e.message : String(e), 5);
}

/**
 * Puts the server's field errors (`certificate.validUntil` → ['certificate','validUntil']) under
 * the matching form fields; errors for fields the form does not show go into the toast instead.
 */
export function showFormError(form: FormInstance, e: unknown, formFields: readonly string[]): void {
  if (!(e instanceof ApiError) || Object.keys(e.fields).length === 0) {
    notifyError(e);
    return;
  }
  const shown: { name: string[]; errors: string[] }[] = [];
  const other: string[] = [];
  for (const [key, msg] of Object.entries(e.fields)) {
    const text = localizeFieldMessage(msg);
    if (formFields.includes(key)) shown.push({ name: key.split('.'), errors: [text] });
    else other.push(`${key}: ${text}`);
  }
  form.setFields(shown);
  void messageApi?.error([e.message, ...other].join('；'), 5);
}

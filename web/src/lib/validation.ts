import type { FormRule } from 'antd';
import type { Translate } from '../i18n/i18n-context.tsx';

/** Required text with the server's length limit, so the form complains before the server does. */
export function textRules(t: Translate, field: string, max: number, required = true): FormRule[] {
  return [
    ...(required ? [{ required: true, whitespace: true, message: t('common.required', { field }) }] : []),
    { max, message: t('common.maxLength', { field, max }) },
  ];
}

/** The server's password rule (src/platform/auth/secrets.ts): 10–200 characters, letters and digits. */
export function passwordRules(t: Translate, field: string, required = true): FormRule[] {
  return [
    ...(required ? [{ required: true, message: t('common.required', { field }) }] : []),
    {
      validator: (_: unknown, value: string | undefined) =>
        !value || (value.length >= 10 && value.length <= 200 && /[A-Za-z]/.test(value) && /\d/.test(value))
          ? Promise.resolve()
          : Promise.reject(new Error(t('users.passwordRule'))),
    },
  ];
}

export function selectRequired(t: Translate, field: string): FormRule[] {
  return [{ required: true, message: t('common.select', { field }) }];
}

/**
 * The form's values, or undefined when a field is invalid. antd's validateFields() rejects in that
 * case and shows each message under its field; a save handler that only awaited it left the
 * rejection unhandled (an "Uncaught (in promise)" on every 保存 of an invalid form, issue 6 item 26).
 * Errors other than field validation are passed on.
 */
export async function validFormValues<T>(form: { validateFields(): Promise<T> }): Promise<T | undefined> {
  try {
    return await form.validateFields();
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'errorFields' in e) return undefined;
    throw e;
  }
}

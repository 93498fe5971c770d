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

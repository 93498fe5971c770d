/**
 * Keeping secrets out of messages: configuration errors, the start-up banner and logs name a variable
 * and show what is safe of its value, never a password, key or token.
 */

/** Variables whose whole value is a secret, by name (QUANLU_ADMIN_PASSWORD, an S3 secret key, a token…). */
const SECRET_NAME = /PASSWORD|PASSWD|PASSPHRASE|SECRET|KEY|TOKEN|CREDENTIAL/i;

/** Whether a variable's value must never be shown at all. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A URL or connection string with its credentials replaced by `***`: the password in
 * `scheme://user:password@host` (up to the last `@`, since people paste unencoded `@` in passwords),
 * the same without a scheme, and `password=`/`token=`-like query parameters.
 */
export function redactUrl(value: string): string {
  const [, scheme = '', rest = ''] = /^([a-z][a-z0-9+.-]*:\/\/)?(.*)$/is.exec(value) ?? [];
  let out = rest;
  const at = rest.lastIndexOf('@');
  const colon = at > 0 ? rest.slice(0, at).indexOf(':') : -1;
  if (colon >= 0) out = `${rest.slice(0, colon)}:***${rest.slice(at)}`;
  return (scheme + out).replace(/([?&;](?:password|passwd|pass|pwd|secret|token|key|sslpassword|sslkey)=)[^&;#\s]*/gi, '$1***');
}

/** How a configuration value may be quoted in an error message. */
export function describeValue(name: string, value: unknown): string {
  if (value === undefined) return 'unset / 未设置';
  if (isSecretName(name)) return 'value hidden / 值已隐藏';
  return JSON.stringify(redactUrl(String(value)));
}

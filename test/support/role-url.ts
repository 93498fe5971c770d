/** The URL of `database` on the admin URL's server, as `role` (test databases are reached as the owner or the serving role). */
export function roleUrl(adminUrl: string, role: { user: string; password: string }, database: string): string {
  const u = new URL(adminUrl);
  u.username = encodeURIComponent(role.user);
  u.password = encodeURIComponent(role.password);
  u.pathname = `/${database}`;
  u.search = '';
  return u.toString();
}

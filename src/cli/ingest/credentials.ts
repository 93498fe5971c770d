import type { ReadStream } from 'node:tty';
import { ApiClient, ApiError, loginWithPassword, ServerUnreachable, type Me } from './api-client.ts';
import { credentialError, IngestStop } from './ingest-errors.ts';
import { promptLogin } from './tty-prompt.ts';

/** Where the terminal is, for the interactive login. */
export interface Terminal {
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WritableStream;
}

/** The server said no to the credentials. */
function refused(e: ApiError, via: 'token' | 'password'): IngestStop {
  if (via === 'token') {
    return credentialError(`QUANLU_TOKEN 被服务器拒绝（${e.code}：${e.message}），请在网页“我的 API 令牌”中重新创建`, `the server refused QUANLU_TOKEN (${e.code}: ${e.message}); create a new personal API token in the web UI`);
  }
  return credentialError(`登录失败（${e.code}：${e.message}）`, `login failed (${e.code}: ${e.message})`);
}

function unreachable(e: ServerUnreachable): IngestStop {
  return new IngestStop(`无法连接服务器：${e.message}`, `cannot reach the server: ${e.message}`, 1);
}

/**
 * Authenticates the run: QUANLU_TOKEN when set (machine clients use personal API tokens), otherwise an
 * interactive login on a terminal. Without either, the run stops with exit 2 before touching anything.
 * The caller must hold `recordings:upload`, checked up front so a run does not fail file by file.
 */
export async function authenticate(server: string, token: string | undefined, term: Terminal): Promise<{ api: ApiClient; me: Me }> {
  let headers: Record<string, string>;
  const via = token ? 'token' : 'password';
  try {
    if (token) headers = { authorization: `Bearer ${token}` };
    else if (term.stdin.isTTY) {
      const { username, password } = await promptLogin(term.stdin as ReadStream, term.stderr);
      headers = await loginWithPassword(server, username, password);
    } else {
      throw credentialError(
        '缺少凭据：请设置环境变量 QUANLU_TOKEN（个人 API 令牌），或在终端中运行以输入用户名和密码',
        'no credentials: set QUANLU_TOKEN (a personal API token), or run in a terminal to log in with a username and password',
      );
    }
    const api = new ApiClient(server, headers);
    const me = await api.me();
    if (!me.permissions.includes('recordings:upload')) {
      throw credentialError(`用户 ${me.username} 没有上传声像资料的权限（recordings:upload）`, `user ${me.username} may not upload recordings (needs recordings:upload)`);
    }
    return { api, me };
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 423)) throw refused(e, via);
    if (e instanceof ServerUnreachable) throw unreachable(e);
    throw e;
  }
}

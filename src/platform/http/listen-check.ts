import net from 'node:net';

/**
 * A start-up problem the operator fixes in the environment (port taken, HOST not on this machine):
 * printed as one line in English and Chinese, without a stack trace; exit code 2.
 */
export class StartupError extends Error {
  readonly exitCode = 2;
}

/** The listen failure of `host:port` in words, or undefined for an error that is not about listening. */
export function explainListenError(e: unknown, host: string, port: number): StartupError | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(
        `Port ${port} on ${host} is already in use (another QuanLu or program listens there): stop it or set PORT to a free port / ` +
          `端口 ${port}（${host}）已被占用（另一个 QuanLu 或其他程序正在使用）：请停止该程序，或用 PORT 设置空闲端口`,
      );
    case 'EACCES':
      return new StartupError(
        `Not allowed to listen on port ${port} (ports below 1024 need root or CAP_NET_BIND_SERVICE): set PORT to 1024 or above / ` +
          `无权监听端口 ${port}（1024 以下端口需要 root 或 CAP_NET_BIND_SERVICE）：请用 PORT 设置 1024 及以上的端口`,
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(
        `HOST ${host} is not an address of this machine: set HOST to one of its addresses, 127.0.0.1 (this machine only) or 0.0.0.0 (all) / ` +
          `HOST ${host} 不是本机地址：请把 HOST 设为本机的某个地址、127.0.0.1（仅本机）或 0.0.0.0（所有地址）`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return new StartupError(
        `HOST ${host} cannot be resolved to an address: set HOST to an IP address of this machine (e.g. 127.0.0.1 or 0.0.0.0) / ` +
          `无法解析 HOST ${host}：请把 HOST 设为本机的 IP 地址（如 127.0.0.1 或 0.0.0.0）`,
      );
    default:
      return undefined;
  }
}

/**
 * Tries `host:port` before anything else starts, so a taken port or a foreign HOST stops start-up
 * at once — before the database is created or started and before a first admin password is shown.
 */
export async function assertCanListen(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (e) => reject(explainListenError(e, host, port) ?? e));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve()));
  });
}

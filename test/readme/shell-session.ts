import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface CommandResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

/**
 * Runs `commands` in order in ONE bash session (`bash -c`), so a variable a command sets (`source`, `E=…`,
 * `OBJECTION=$(…)`) is there for the next, and returns each command's own stdout, stderr and exit status. Each
 * command runs with stdin from /dev/null. Asynchronous on purpose: the gateway answering the commands runs in this
 * process.
 */
export function runInOneShell(commands: string[], options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<CommandResult[]> {
  const mark = `@@readme-${randomBytes(6).toString('hex')}`;
  const script = commands.map((command, i) => [
    `printf '%s\\n' '${mark} ${i} begin'; printf '%s\\n' '${mark} ${i} begin' >&2`,
    `{\n${command}\n} </dev/null`,
    `printf '\\n%s %d\\n' '${mark} ${i} end' "$?"; printf '\\n%s\\n' '${mark} ${i} end' >&2`,
  ].join('\n')).join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => void (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) {
        reject(new Error(`the README's commands did not finish within ${options.timeoutMs} ms (${signal}); stderr:\n${stderr.slice(-2000)}`));
        return;
      }
      const between = (text: string, i: number): string | null => {
        const begin = text.indexOf(`${mark} ${i} begin\n`);
        const end = text.indexOf(`\n${mark} ${i} end`, begin);
        return begin < 0 || end < 0 ? null : text.slice(begin + `${mark} ${i} begin\n`.length, end);
      };
      resolve(commands.map((_, i) => {
        const status = new RegExp(`${mark} ${i} end (\\d+)`).exec(stdout);
        return {
          stdout: between(stdout, i) ?? '',
          stderr: between(stderr, i) ?? '',
          status: status ? Number(status[1]) : code,
        };
      }));
    });
  });
}

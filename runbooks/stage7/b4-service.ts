// Step B4 (broker host): writes the systemd unit that runs the broker (always restarted: its serve loop
// exits after 24 hours with status 0) and checks it with `systemd-analyze verify`; then writes the nginx
// server block that terminates TLS for the issuer's host and forwards to the broker on loopback.
import { $, which } from 'zx';
import { isMain, runAlone } from '../lib/alone.ts';
import { changed, defineStep, passed, StepError, skipped } from '../lib/step.ts';
import { hostFor } from './b1-install.ts';
import { type BrokerEnv, plannedEnv } from './b3-env-file.ts';
import {
  type BrokerHost,
  lineDiff,
  notHere,
  readIfExists,
  SERVICE,
  SERVICE_USER,
  shown,
  skipsOn,
  writeOwned,
} from './host.ts';

export interface BrokerService {
  unitFile: string;
  proxyFile: string;
  /** The arguments the unit starts the binary with. */
  args: string[];
  changed: boolean;
}

/** The serve flags of the binary: loopback only, no STS probe (minting needs no AWS credentials). */
export const serveArgs = (host: BrokerHost) => [
  '--bind',
  host.bind,
  '--port',
  String(host.port),
  '--skip-startup-check',
  '--export-session-pubkey-to',
  host.sessionPubkey,
];

export function unitFile(host: BrokerHost, env: BrokerEnv): string {
  return `[Unit]
Description=AgentKeys credential broker (Stage 7)
After=network-online.target
Wants=network-online.target

[Service]
Type=exec
User=${SERVICE_USER}
Group=${SERVICE_USER}
EnvironmentFile=${env.file}
ExecStart=${[host.bin, ...serveArgs(host)].join(' ')}
# The serve loop ends after 24 hours with status 0: restart on every exit, not only on failures.
Restart=always
RestartSec=2
# On SIGTERM the broker serves BROKER_SHUTDOWN_GRACE_SECONDS longer (30 by default) before it stops.
TimeoutStopSec=${Number(env.values.BROKER_SHUTDOWN_GRACE_SECONDS ?? 30) + 30}
StateDirectory=agentkeys
StateDirectoryMode=0700
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
`;
}

/** nginx's size for the broker's body limit, so oversized requests still get the broker's own 413. */
const bodyLimit = (env: BrokerEnv) => {
  const bytes = Number(env.values.BROKER_REQUEST_BODY_LIMIT_BYTES ?? 1048576);
  return Number.isInteger(bytes) && bytes > 0 ? `${Math.ceil(bytes / 1024)}k` : '1024k';
};

export function proxyFile(host: BrokerHost, env: BrokerEnv): string {
  const name = new URL(env.issuer).hostname;
  return `# TLS for the broker's issuer host, forwarding to the broker on loopback. Include it from nginx's
# configuration (or copy it to /etc/nginx/conf.d/) and reload nginx. The certificate must be one public
# clients trust: AWS fetches the discovery document and JWKS from https://${name}.
server {
    listen 443 ssl;
    server_name ${name};
    ssl_certificate     /etc/letsencrypt/live/${name}/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/${name}/privkey.pem;
    client_max_body_size ${bodyLimit(env)};

    location / {
        proxy_pass http://${host.bind}:${host.port};
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Proto https;
        # Every mint must reach the broker: no caching, no buffering.
        proxy_buffering off;
        proxy_cache off;
    }
}
`;
}

export const step = defineStep({
  id: 'b4',
  slug: 'service',
  title: 'Write the systemd unit and the TLS proxy',
  doc: 'step-b4-service',
  where: 'broker host',
  needs: ['brokerHost', 'brokerEnv'],
  produces: ['brokerService'],
  mutates: true,
  skipsOn,
  changes: [`write /etc/systemd/system/${SERVICE} and /etc/agentkeys/nginx-agentkeys-broker.conf`],
  async plan(ctx) {
    const why = notHere(ctx);
    if (why) return [why];
    const host = await hostFor(ctx);
    const env = await plannedEnv(ctx);
    if (!env.issuer)
      return ['nothing yet: step B3 would refuse the env file (BROKER_OIDC_ISSUER is not set)'];
    return [
      [host.unitFile, unitFile(host, env)],
      [host.proxyFile, proxyFile(host, env)],
    ].flatMap(([file, text]) => {
      const before = readIfExists(file as string);
      if (before === text) return [`nothing: ${shown(file as string)} is up to date`];
      return [`write ${shown(file as string)}:`, ...lineDiff(before, text as string).map((l) => `  ${l}`)];
    });
  },
  async run(ctx) {
    const why = notHere(ctx);
    if (why) return skipped(why);
    const host = ctx.values.get<BrokerHost>('brokerHost');
    const env = ctx.values.get<BrokerEnv>('brokerEnv');
    const unit = writeOwned(host.unitFile, unitFile(host, env), 0o644);
    ctx.log(`${shown(host.unitFile)}${unit.changed ? ' written' : ' unchanged'}`);
    if (await which('systemd-analyze', { nothrow: true })) {
      // verify exits 0 on some mistakes (an unknown Restart= value) but always says something: silence is the pass.
      const verify = await $`systemd-analyze verify ${host.unitFile}`.quiet().nothrow();
      const said = `${verify.stdout}${verify.stderr}`.trim();
      if (verify.exitCode !== 0 || said !== '') {
        throw new StepError(
          `systemd-analyze verify refused ${shown(host.unitFile)}: ${said.split('\n')[0]}`,
          {
            hint: 'the unit names a binary or file that is missing, or a setting systemd does not know',
          },
        );
      }
      ctx.log('systemd-analyze verify: no complaints');
    } else {
      ctx.log(
        "systemd-analyze not found: the unit was not verified (it comes with Debian's systemd package)",
      );
    }
    const proxy = writeOwned(host.proxyFile, proxyFile(host, env), 0o644);
    ctx.log(
      `${shown(host.proxyFile)}${proxy.changed ? ' written' : ' unchanged'} (server_name ${new URL(env.issuer).hostname})`,
    );
    const service: BrokerService = {
      unitFile: host.unitFile,
      proxyFile: host.proxyFile,
      args: serveArgs(host),
      changed: unit.changed,
    };
    ctx.values.set('brokerService', service);
    return unit.changed || proxy.changed ? changed('unit and proxy written') : passed('already up to date');
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/b4-service.ts [--target URL --yes]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();

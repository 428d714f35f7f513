// The Stage 7 runbook: its steps in page order. Each step file also runs alone.
import { defineRunbook } from '../lib/step.ts';
import { step as preflight } from './01-preflight.ts';
import { step as brokerHealth } from './02-broker-health.ts';
import { step as oidcIssuer } from './03-oidc-issuer.ts';
import { step as awsIamTrust } from './04-aws-iam-trust.ts';
import { step as sessionJwt } from './05-session-jwt.ts';
import { step as mintOidcJwt } from './06-mint-oidc-jwt.ts';
import { step as verifyOidcJwt } from './07-verify-oidc-jwt.ts';
import { step as assumeRole } from './08-assume-role.ts';
import { step as actorIsolation } from './09-actor-isolation.ts';
import { step as grants } from './10-grants.ts';
import { step as retiredSurfaces } from './11-retired-surfaces.ts';
import { step as cleanup } from './12-cleanup.ts';
import { step as brokerInstall } from './b1-install.ts';
import { step as brokerKeygen } from './b2-keygen.ts';
import { step as brokerEnvFile } from './b3-env-file.ts';
import { step as brokerService } from './b4-service.ts';
import { step as brokerStart } from './b5-start.ts';

export const runbook = defineRunbook({
  name: 'stage7',
  title: 'Stage 7 operator runbook',
  page: 'operator-runbook-stage7',
  steps: [
    // Bring-up, on the broker host (on the sandbox: a host folder in its state folder).
    brokerInstall,
    brokerKeygen,
    brokerEnvFile,
    brokerService,
    brokerStart,
    // Verification, from the operator's workstation.
    preflight,
    brokerHealth,
    oidcIssuer,
    awsIamTrust,
    sessionJwt,
    mintOidcJwt,
    verifyOidcJwt,
    assumeRole,
    actorIsolation,
    grants,
    retiredSurfaces,
    cleanup,
  ],
});

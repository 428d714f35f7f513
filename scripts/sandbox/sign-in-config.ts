// Settings of the email-link and Google sign-in routes, read the way the broker reads them: the rate
// limits parse as a whole number or silently fall back to their default, and are applied as given.

type Env = Record<string, string | undefined>;

export interface SignInConfig {
  email: {
    /** BROKER_EMAIL_FROM_ADDRESS; shown as the sender of the messages the sandbox files instead of sending. */
    fromAddress: string;
    perEmailHourly: number;
    perIpMinutely: number;
  };
  oauth2Google: {
    clientId: string;
    redirectUri: string;
    /** BROKER_OAUTH2_STATE_HMAC_KEY_PATH; without it the sandbox signs states with a key made at start. */
    stateKeyPath: string | null;
    startPerIpMinutely: number;
  };
}

// What Rust's `str::parse::<i64>()` accepts; anything else means "use the default".
function rustI64(raw: string | undefined, fallback: number): number {
  if (raw === undefined || !/^[+-]?\d+$/.test(raw)) return fallback;
  const value = BigInt(raw);
  if (value > (1n << 63n) - 1n || value < -(1n << 63n)) return fallback;
  return Number(value);
}

export function loadSignInConfig(env: Env, issuer: string): SignInConfig {
  return {
    email: {
      fromAddress: env.BROKER_EMAIL_FROM_ADDRESS ?? '',
      perEmailHourly: rustI64(env.BROKER_EMAIL_RATE_LIMIT_PER_EMAIL_HOURLY, 5),
      perIpMinutely: rustI64(env.BROKER_EMAIL_RATE_LIMIT_PER_IP_MINUTELY, 30),
    },
    oauth2Google: {
      clientId: env.BROKER_OAUTH2_GOOGLE_CLIENT_ID ?? 'sandbox-client-id',
      redirectUri: env.BROKER_OAUTH2_REDIRECT_URI ?? `${issuer.replace(/\/+$/, '')}/auth/oauth2/callback`,
      stateKeyPath: env.BROKER_OAUTH2_STATE_HMAC_KEY_PATH ?? null,
      startPerIpMinutely: rustI64(env.BROKER_OAUTH2_START_RATE_LIMIT_PER_IP_MINUTELY, 30),
    },
  };
}

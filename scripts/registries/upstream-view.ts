// docs/reference/upstream.yaml, the broker commit the pages describe, as the banner and the env tables read it.
import { parseUpstream, type Upstream, UpstreamFileError } from '../reference/upstream.ts';
import { RegistryError } from './errors.ts';

export type { Upstream };

export function buildUpstreamView(text: string, file: string): Upstream {
  try {
    return parseUpstream(text, file);
  } catch (error) {
    if (error instanceof UpstreamFileError) throw new RegistryError(error.message);
    throw error;
  }
}

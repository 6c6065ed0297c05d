import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiPorts, Executions, UploadLinks } from '../../functions/api/api-ports.js';
import type { ImageLinks, ObjectStore } from '../../functions/task-registry.js';
import type { LocalPipeline } from '../runtime/local-pipeline.js';
import type { LocalStepFunctions } from '../runtime/local-step-functions.js';
import { resolveTokens } from '../runtime/template-tokens.js';

/** What a local link carries: the key, what to do with it, until when. Signed with the server's secret. */
export interface LinkClaim {
  op: 'put' | 'get';
  key: string;
  contentType?: string;
  expiresAt: number;
}

/**
 * Signs and checks the local server's upload and download links, the stand-ins for presigned S3 URLs: an HMAC
 * over the claim, with a secret made per server start (a link never outlives the server that gave it).
 */
export class LocalLinkSigner {
  private readonly secret = randomBytes(32);

  constructor(
    readonly baseUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  sign(claim: LinkClaim): string {
    const payload = Buffer.from(JSON.stringify(claim)).toString('base64url');
    const mac = createHmac('sha256', this.secret).update(payload).digest('base64url');
    return `${this.baseUrl}/local-s3/${payload}.${mac}`;
  }

  /** The claim of a token, or undefined when it is forged, altered or expired. */
  verify(token: string): LinkClaim | undefined {
    const [payload, mac] = token.split('.');
    if (!payload || !mac) return undefined;
    const expected = createHmac('sha256', this.secret).update(payload).digest();
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const claim = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LinkClaim;
    return claim.expiresAt >= this.now() ? claim : undefined;
  }
}

/**
 * The HTTP API's ports over a local pipeline: dynalite, the local bucket (a put under a subject folder is
 * delivered to the ingest as S3 would deliver it), the local engines by the ARNs the template resolves to, and
 * signed links to this server instead of presigned S3 URLs.
 */
export function localApiPorts(
  pipeline: LocalPipeline,
  signer: LocalLinkSigner,
  ports: Pick<ApiPorts, 'clock' | 'log' | 'metrics' | 'provenance'>,
): ApiPorts {
  const { template } = pipeline.synthesized;
  const engines = new Map<string, LocalStepFunctions>();
  for (const workflow of pipeline.synthesized.workflows) {
    const engine = pipeline.workflows.get(workflow.workflow);
    if (engine) engines.set(String(resolveTokens(template, { Ref: workflow.logicalId })), engine);
  }
  const store: ObjectStore = {
    head: (key) => pipeline.store.head(key),
    get: (key) => pipeline.store.get(key),
    copy: (from, to) => pipeline.store.copy(from, to),
    list: (prefix) => pipeline.store.list(prefix),
    put: async (key, body) => {
      await pipeline.dropObject(key, body);
    },
  } as ObjectStore;
  const uploads: UploadLinks = {
    upload: async (key, contentType, seconds) => {
      const expiresAt = ports.clock.now() + seconds * 1000;
      return {
        method: 'PUT',
        url: signer.sign({ op: 'put', key, contentType, expiresAt }),
        headers: { 'content-type': contentType },
        expiresAt: new Date(expiresAt).toISOString(),
      };
    },
  };
  const links: ImageLinks = {
    link: async (key, seconds) => {
      const expiresAt = ports.clock.now() + seconds * 1000;
      return {
        url: signer.sign({ op: 'get', key, expiresAt }),
        expiresAt: new Date(expiresAt).toISOString(),
      };
    },
  };
  const executions = (arn: string): Executions => {
    const engine = engines.get(arn);
    if (!engine) throw new Error(`No state machine ${arn} in the synthesized stack`);
    return {
      describe: async (name) => {
        const record = engine.executions.get(name);
        return record
          ? { status: record.status, ...(record.output !== undefined ? { output: record.output } : {}) }
          : undefined;
      },
      stateOutput: async (name, stateName) => engine.executions.get(name)?.stateOutputs.get(stateName),
      start: (name, input) => engine.start(name, input as never),
      stop: async (name, cause) => engine.stop(engine.executionArnOf(name), 'Cancelled', cause),
    };
  };
  return {
    ...ports,
    documentClient: () => pipeline.db,
    objectStore: () => store,
    uploadLinks: () => uploads,
    imageLinks: () => links,
    executions,
  };
}

import {
  ComprehendClient,
  DetectDominantLanguageCommand,
  DetectToxicContentCommand,
  InternalServerException,
  TextSizeLimitExceededException,
} from '@aws-sdk/client-comprehend';
import { DetectModerationLabelsCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ComprehendLanguageDetector,
  ComprehendToxicityClassifier,
} from '../../../functions/generation/comprehend-prompt-screen.js';
import { ScreeningUnavailableError } from '../../../functions/generation/errors.js';
import { S3PresignedImageLinks } from '../../../functions/generation/image-links.js';
import { RekognitionImageScreen } from '../../../functions/generation/image-screen.js';
import { lambdaContext } from '../../support/lambda-context.js';
import { imageResponse, PNG_1X1, planned, REQUEST } from './fakes.js';

const comprehend = mockClient(ComprehendClient);
const rekognition = mockClient(RekognitionClient);
const sagemaker = mockClient(SageMakerRuntimeClient);
const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBDocumentClient);

beforeAll(() => {
  process.env.PHOTO_BUCKET = 'amzn-s3-demo-bucket1';
  process.env.LEDGER_TABLE = 'ledger-table';
  process.env.MODEL_REGISTRY_TABLE = 'registry-table';
  process.env.OWN_ACCOUNT = '123456789012';
  process.env.SERVING_ENDPOINT = 'avatar-mme';
  process.env.AWS_REGION = 'eu-west-1';
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret';
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
});
beforeEach(() => {
  comprehend.reset();
  rekognition.reset();
  sagemaker.reset();
  s3.reset();
  ddb.reset();
});

describe('Comprehend adapters', () => {
  it('sends DetectDominantLanguage { Text } and returns the best language', async () => {
    comprehend.on(DetectDominantLanguageCommand).resolves({
      Languages: [
        { LanguageCode: 'fr', Score: 0.2 },
        { LanguageCode: 'en', Score: 0.78 },
      ],
    });
    const detected = await new ComprehendLanguageDetector(new ComprehendClient({})).detectDominantLanguage(
      'zwx woman',
    );
    expect(detected).toEqual({ languageCode: 'en', score: 0.78 });
    expect(comprehend).toHaveReceivedCommandWith(DetectDominantLanguageCommand, { Text: 'zwx woman' });
  });

  it("sends DetectToxicContent { LanguageCode: 'en', TextSegments: [{ Text }] } and maps the labels", async () => {
    comprehend.on(DetectToxicContentCommand).resolves({
      ResultList: [
        { Toxicity: 0.9, Labels: [{ Name: 'INSULT', Score: 0.8 }] },
        { Toxicity: 0.01, Labels: [] },
      ],
    });
    const scores = await new ComprehendToxicityClassifier(new ComprehendClient({})).classify(['one', 'two']);
    expect(scores).toEqual([
      { toxicity: 0.9, labels: { INSULT: 0.8 } },
      { toxicity: 0.01, labels: {} },
    ]);
    expect(comprehend.commandCalls(DetectToxicContentCommand)[0]?.args[0].input).toEqual({
      LanguageCode: 'en',
      TextSegments: [{ Text: 'one' }, { Text: 'two' }],
    });
  });

  it('turns throttling and 5xx into ScreeningUnavailableError, other errors pass as they are', async () => {
    const classifier = new ComprehendToxicityClassifier(new ComprehendClient({}));
    comprehend
      .on(DetectToxicContentCommand)
      .rejectsOnce(
        Object.assign(new Error('slow down'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .rejectsOnce(new InternalServerException({ message: 'boom', $metadata: { httpStatusCode: 500 } }))
      .rejectsOnce(
        new TextSizeLimitExceededException({ message: 'too big', $metadata: { httpStatusCode: 400 } }),
      );
    await expect(classifier.classify(['a'])).rejects.toThrow(ScreeningUnavailableError);
    await expect(classifier.classify(['a'])).rejects.toThrow(ScreeningUnavailableError);
    await expect(classifier.classify(['a'])).rejects.toThrow(TextSizeLimitExceededException);
  });
});

describe('RekognitionImageScreen', () => {
  it('sends DetectModerationLabels { Image: { Bytes }, MinConfidence } and names top-level categories', async () => {
    rekognition.on(DetectModerationLabelsCommand).resolves({
      ModerationLabels: [
        { Name: 'Explicit', ParentName: '', Confidence: 97 },
        { Name: 'Explicit Nudity', ParentName: 'Explicit', Confidence: 97 },
        { Name: 'Exposed Male Genitalia', ParentName: 'Explicit Nudity', Confidence: 96 },
      ],
    });
    const labels = await new RekognitionImageScreen(new RekognitionClient({}), 60).moderationLabels(PNG_1X1);
    expect(rekognition).toHaveReceivedCommandWith(DetectModerationLabelsCommand, {
      Image: { Bytes: PNG_1X1 },
      MinConfidence: 60,
    });
    expect(labels.map((l) => l.topLevelCategory)).toEqual(['Explicit', 'Explicit', 'Explicit']);
  });

  it('turns a throttled call into ScreeningUnavailableError', async () => {
    rekognition
      .on(DetectModerationLabelsCommand)
      .rejects(
        Object.assign(new Error('slow'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
      );
    await expect(
      new RekognitionImageScreen(new RekognitionClient({}), 60).moderationLabels(PNG_1X1),
    ).rejects.toThrow(ScreeningUnavailableError);
  });
});

describe('S3PresignedImageLinks', () => {
  it('presigns a GET of the key, capped by the signing credentials’ expiration', async () => {
    const now = Date.parse('2026-11-25T10:00:00.000Z');
    const client = new S3Client({
      region: 'eu-west-1',
      credentials: {
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'token',
        expiration: new Date('2026-11-25T16:00:00.000Z'),
      },
    });
    const link = await new S3PresignedImageLinks(client, 'amzn-s3-demo-bucket1', () => now).link(
      'avatars/default/ana/v-0123456789ab/r/p01-0.png',
      604_800,
    );
    const url = new URL(link.url);
    expect(url.hostname).toBe('amzn-s3-demo-bucket1.s3.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/avatars/default/ana/v-0123456789ab/r/p01-0.png');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('604800');
    expect(link.expiresAt).toBe('2026-11-25T16:00:00.000Z');
  });
});

describe('generation handlers', () => {
  it('GenerateScreenedImage sends InvokeEndpoint { EndpointName, TargetModel, ContentType, Body } and puts the PNG', async () => {
    sagemaker
      .on(InvokeEndpointCommand)
      .resolves({ Body: new TextEncoder().encode(imageResponse()) as never });
    rekognition.on(DetectModerationLabelsCommand).resolves({ ModerationLabels: [] });
    s3.on(PutObjectCommand).resolves({});
    const { handler } = await import('../../../functions/generation/generate-screened-image.handler.js');
    const job = {
      promptId: 'p01',
      prompt: 'zwx woman as a pilot',
      negativePrompt: 'blurry',
      seed: 7,
      imageIndex: 0,
    };
    const result = await handler({ request: REQUEST, job }, lambdaContext('GenerateScreenedImage'));
    expect(result).toMatchObject({ status: 'delivered', seed: 7 });
    const invoke = sagemaker.commandCalls(InvokeEndpointCommand)[0]?.args[0].input;
    expect(invoke).toMatchObject({
      EndpointName: 'avatar-mme',
      TargetModel: 'default/ana/v-0123456789ab.tar.gz',
      ContentType: 'application/json',
    });
    expect(JSON.parse(new TextDecoder().decode(invoke?.Body as Uint8Array)).inputs[2]).toEqual({
      name: 'seed',
      shape: [1],
      datatype: 'INT64',
      data: [7],
    });
    expect(rekognition).toHaveReceivedCommandWith(DetectModerationLabelsCommand, { MinConfidence: 60 });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: 'amzn-s3-demo-bucket1',
      Key: `avatars/default/ana/v-0123456789ab/${REQUEST.requestId}/p01-0.png`,
      ContentType: 'image/png',
    });
  });

  it('ScreenPrompts batches the English prompts into DetectToxicContent calls of 10', async () => {
    comprehend
      .on(DetectDominantLanguageCommand)
      .resolves({ Languages: [{ LanguageCode: 'en', Score: 0.99 }] });
    comprehend.on(DetectToxicContentCommand).callsFake((input: { TextSegments: unknown[] }) => ({
      ResultList: input.TextSegments.map(() => ({ Toxicity: 0.01, Labels: [] })),
    }));
    const { handler } = await import('../../../functions/generation/screen-prompts.handler.js');
    const prompts = Array.from({ length: 12 }, (_, i) => planned(`zwx woman in scene ${i}`, i, [i]));
    const out = await handler({ request: REQUEST, prompts }, lambdaContext('ScreenPrompts'));
    expect(out.jobs).toHaveLength(12);
    expect(comprehend.commandCalls(DetectDominantLanguageCommand)).toHaveLength(12);
    expect(
      comprehend.commandCalls(DetectToxicContentCommand).map((c) => c.args[0].input.TextSegments?.length),
    ).toEqual([10, 2]);
  });

  it('ScreenPrompts refuses a malformed payload naming the field', async () => {
    const { handler } = await import('../../../functions/generation/screen-prompts.handler.js');
    await expect(handler({ request: REQUEST }, lambdaContext('ScreenPrompts'))).rejects.toThrow(
      /ScreenPrompts received a malformed payload[\s\S]*prompts/,
    );
  });

  it('PrepareGeneration answers a request for an unknown subject with RequestRejected', async () => {
    ddb.on(GetCommand).resolves({});
    const { handler } = await import('../../../functions/generation/prepare-generation.handler.js');
    const out = await handler(
      {
        'detail-type': 'Avatar Generation Requested',
        source: 'partner',
        id: 'e-1',
        detail: { version: 1, subjectId: 'zed' },
      },
      lambdaContext('PrepareGeneration'),
    );
    expect(out).toMatchObject({ valid: false, rejected: { subjectId: 'zed' } });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'registry-table',
      Key: { subjectKey: 'default#zed', modelVersion: 'CURRENT' },
    });
  });

  it('CompileAvatars names the delivered avatars by key and signs no link (issue 11: events are broadcast)', async () => {
    const { handler } = await import('../../../functions/generation/compile-avatars.handler.js');
    const prompt = planned('zwx woman as a pilot', 0, [5]);
    const out = await handler(
      {
        request: REQUEST,
        prompts: [prompt],
        screening: { accepted: [prompt], rejected: [], jobs: [] },
        results: [
          {
            promptId: 'p01',
            imageIndex: 0,
            status: 'delivered',
            key: 'avatars/default/ana/k.png',
            seed: 5,
            attempts: 1,
            blocked: 0,
          },
        ],
      },
      lambdaContext('CompileAvatars'),
    );
    expect(out.outcome).toBe('ready');
    const delivered = out.outcome === 'ready' ? out.avatarsReady.prompts[0]?.delivered[0] : undefined;
    expect(delivered).toEqual({ key: 'avatars/default/ana/k.png', seed: 5 });
    expect(JSON.stringify(out)).not.toMatch(/X-Amz-Signature|https:/);
  });
});

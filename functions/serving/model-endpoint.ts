import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';

/** Port: one real-time invocation of a model on the multi-model endpoint. SageMaker on AWS, a stand-in locally. */
export interface ModelEndpoint {
  readonly performedBy: 'amazon-sagemaker' | 'local-stand-in' | 'tiny-model' | 'dry-run-stand-in';
  invoke(targetModel: string, body: string): Promise<string>;
}

export class SageMakerModelEndpoint implements ModelEndpoint {
  readonly performedBy = 'amazon-sagemaker' as const;

  constructor(
    private readonly runtime: SageMakerRuntimeClient,
    private readonly endpointName: string,
  ) {}

  async invoke(targetModel: string, body: string): Promise<string> {
    const out = await this.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: this.endpointName,
        TargetModel: targetModel,
        ContentType: 'application/json',
        Accept: 'application/json',
        Body: new TextEncoder().encode(body),
      }),
    );
    return new TextDecoder().decode(out.Body);
  }
}

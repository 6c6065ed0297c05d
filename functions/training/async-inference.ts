import { InvokeEndpointAsyncCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';

/** Port: queues one request on an asynchronous inference endpoint. SageMaker on AWS, a stand-in locally. */
export interface AsyncInference {
  readonly performedBy: 'amazon-sagemaker' | 'local-stand-in' | 'local-container' | 'tiny-model';
  invokeAsync(request: {
    inferenceId: string;
    inputLocation: string;
    invocationTimeoutSeconds: number;
  }): Promise<{
    inferenceId: string;
    outputLocation?: string | undefined;
    /** Where the container's error body will be if the invocation fails (SageMaker's FailureLocation). */
    failureLocation?: string | undefined;
  }>;
}

export class SageMakerAsyncInference implements AsyncInference {
  readonly performedBy = 'amazon-sagemaker' as const;

  constructor(
    private readonly runtime: SageMakerRuntimeClient,
    private readonly endpointName: string,
  ) {}

  async invokeAsync(request: {
    inferenceId: string;
    inputLocation: string;
    invocationTimeoutSeconds: number;
  }) {
    const out = await this.runtime.send(
      new InvokeEndpointAsyncCommand({
        EndpointName: this.endpointName,
        InputLocation: request.inputLocation,
        InferenceId: request.inferenceId,
        ContentType: 'application/json',
        InvocationTimeoutSeconds: request.invocationTimeoutSeconds,
      }),
    );
    return {
      inferenceId: out.InferenceId ?? request.inferenceId,
      outputLocation: out.OutputLocation,
      failureLocation: out.FailureLocation,
    };
  }
}

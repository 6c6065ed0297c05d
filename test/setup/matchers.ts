// Registers toHaveReceivedCommandWith & co. for aws-sdk-client-mock in every test file.
import 'aws-sdk-client-mock-jest';

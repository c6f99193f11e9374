/**
 * SigV4 signing against AWS's published examples: the S3 GET-object example of the S3 API
 * reference ("Example: GET Object", a Range request) and the `get-vanilla` case of the SigV4 test suite.
 */
import { describe, expect, it } from 'vitest';
import { amzDateOf, EMPTY_PAYLOAD_SHA256, signatureV4, uriEncode } from '../../src/artifacts/s3-client';

describe('AWS Signature Version 4', () => {
  it('signs the S3 reference GET-object example to its published signature', () => {
    const signed = signatureV4(
      {
        method: 'GET',
        path: '/test.txt',
        headers: { Host: 'examplebucket.s3.amazonaws.com', Range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256, 'x-amz-date': '20130524T000000Z' },
        payloadHash: EMPTY_PAYLOAD_SHA256,
      },
      { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }, region: 'us-east-1', service: 's3', amzDate: '20130524T000000Z' },
    );
    expect(signed.signature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
    expect(signed.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('signs the test suite get-vanilla request to its published signature', () => {
    const signed = signatureV4(
      { method: 'GET', path: '/', headers: { Host: 'example.amazonaws.com', 'X-Amz-Date': '20150830T123600Z' }, payloadHash: EMPTY_PAYLOAD_SHA256 },
      { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }, region: 'us-east-1', service: 'service', amzDate: '20150830T123600Z' },
    );
    expect(signed.canonicalRequest).toBe(['GET', '/', '', 'host:example.amazonaws.com', 'x-amz-date:20150830T123600Z', '', 'host;x-amz-date', EMPTY_PAYLOAD_SHA256].join('\n'));
    expect(signed.signature).toBe('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  });

  it('a changed secret or date changes the signature', () => {
    const request = { method: 'GET', path: '/', headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' }, payloadHash: EMPTY_PAYLOAD_SHA256 };
    const scope = { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }, region: 'us-east-1', service: 'service', amzDate: '20150830T123600Z' };
    const reference = signatureV4(request, scope).signature;
    expect(signatureV4(request, { ...scope, credentials: { ...scope.credentials, secretAccessKey: 'other' } }).signature).not.toBe(reference);
    expect(signatureV4(request, { ...scope, amzDate: '20150831T123600Z' }).signature).not.toBe(reference);
  });

  it('encodes keys as SigV4 wants and formats the date', () => {
    expect(uriEncode('blobs/ab/x y+ü.json', true)).toBe('blobs/ab/x%20y%2B%C3%BC.json');
    expect(uriEncode('a/b', false)).toBe('a%2Fb');
    expect(amzDateOf(new Date('2026-11-30T19:30:05.123Z'))).toBe('20261130T193005Z');
  });
});

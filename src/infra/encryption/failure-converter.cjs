// Loaded by path (`failureConverterPath`) by the worker, the client and, bundled, the workflow
// sandbox when payload encryption is on: error messages and stack traces go into a payload
// (`encodedAttributes`) that the codec encrypts, instead of plain text in the history.
// Plain CommonJS because the SDK `require`s it and the sandbox bundles it: no TypeScript, no Node built-ins.
'use strict';
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });

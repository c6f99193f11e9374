// Fails set-up early, not mid-sweep, when node-llama-cpp's prebuilt binary cannot load here.
// (A file, not `node -e`: the library forks its own script to test the binary.)
import { getLlama } from 'node-llama-cpp';

await getLlama({ build: 'never', gpu: false });

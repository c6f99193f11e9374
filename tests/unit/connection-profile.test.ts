/**
 * `connectionSettings` loads @temporalio/envconfig only when a profile may apply (a TEMPORAL_*
 * variable or a profile file); otherwise it takes the empty profile. Checked against envconfig
 * itself, with real files in a scratch home folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultProfileFile, loadProfile, profileMayApply } from '../../src/infra/connection';

const scratch = mkdtempSync(join(tmpdir(), 'synthlab-profile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The profile without its absent fields, to compare the empty profile with envconfig's. */
const defined = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

function home(name: string, profile?: string): string {
  const folder = join(scratch, name);
  mkdirSync(join(folder, '.config', 'temporalio'), { recursive: true });
  if (profile !== undefined) writeFileSync(join(folder, '.config', 'temporalio', 'temporal.toml'), profile);
  return folder;
}

const PROFILE = '[profile.default]\naddress = "profile.example:7233"\nnamespace = "from-file"\n';

describe('the envconfig profile', () => {
  const cases: [string, NodeJS.ProcessEnv, boolean][] = [
    ['no variables, no file', { HOME: home('empty') }, false],
    ['no HOME at all', {}, false],
    ['a profile file in ~/.config', { HOME: home('with-file', PROFILE) }, true],
    ['a profile file under XDG_CONFIG_HOME', { HOME: home('xdg-home'), XDG_CONFIG_HOME: join(home('xdg', PROFILE), '.config') }, true],
    ['a relative XDG_CONFIG_HOME (envconfig ignores it)', { HOME: home('rel', PROFILE), XDG_CONFIG_HOME: 'relative/config' }, false],
    ['TEMPORAL_NAMESPACE only', { HOME: home('ns'), TEMPORAL_NAMESPACE: 'research' }, true],
    ['TEMPORAL_ADDRESS over a file', { HOME: home('both', PROFILE), TEMPORAL_ADDRESS: 'env.example:7233' }, true],
    ['a gRPC metadata variable', { HOME: home('meta'), TEMPORAL_GRPC_META_X_TEAM: 'nlp' }, true],
  ];
  for (const [name, env, mayApply] of cases) {
    it(`${name}: ${mayApply ? 'loaded' : 'skipped'}, and the same as envconfig gives`, () => {
      expect(profileMayApply(env)).toBe(mayApply);
      expect(defined(loadProfile(env))).toEqual(defined(loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> })));
    });
  }

  it('a profile is what it applies: the file, then the variables over it', () => {
    expect(loadProfile({ HOME: home('read', PROFILE) })).toMatchObject({ namespace: 'from-file', connectionOptions: { address: 'profile.example:7233' } });
    expect(loadProfile({ HOME: home('over', PROFILE), TEMPORAL_ADDRESS: 'env.example:7233' }).connectionOptions.address).toBe('env.example:7233');
  });

  it('finds the profile file where envconfig looks on each system', () => {
    expect(defaultProfileFile({ HOME: '/home/r' }, 'linux')).toBe('/home/r/.config/temporalio/temporal.toml');
    expect(defaultProfileFile({ HOME: '/home/r', XDG_CONFIG_HOME: '/xdg' }, 'linux')).toBe('/xdg/temporalio/temporal.toml');
    expect(defaultProfileFile({ HOME: '/Users/r' }, 'darwin')).toBe('/Users/r/Library/Application Support/temporalio/temporal.toml');
    expect(defaultProfileFile({ APPDATA: 'C:\\Users\\r\\AppData\\Roaming' }, 'win32')).toMatch(/^C:\\Users\\r\\AppData\\Roaming[\\/]temporalio[\\/]temporal\.toml$/);
    expect(defaultProfileFile({}, 'win32')).toBeUndefined();
    expect(defaultProfileFile({}, 'darwin')).toBeUndefined();
  });
});

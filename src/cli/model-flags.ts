// Model options on the command line: the common ones as flags (--lr, --hidden, --latent, --beta, --noise,
// --noise-level) and any config key as --option key=value; the model's own config checks reject bad values.
import { UsageError } from './args.js';

export const modelOptionFlags = `Model options (checked by the model; unknown ones are refused):
  --lr X              learning rate (default: the model's)
  --hidden A,B,...    hidden layer sizes (ae, dae, vae)
  --latent N          code size (ae, dae, vae)
  --beta X            weight of the KL term (vae); of the consistency term (vime)
  --noise KIND|X      gaussian or masking (dae); the corruption noise std (ladder, gamma)
  --noise-level X     noise std, or masking probability (dae)
  --option KEY=VALUE  any other config key (repeatable), e.g. --option generatorHidden=500,500 (one layer:
                      [500]; null: the key's automatic value, e.g. --option labelledWeight=null)
`;

const FLAG_KEYS: Record<string, string> = {
  lr: 'lr', hidden: 'hidden', latent: 'latent', beta: 'beta', noise: 'noise', 'noise-level': 'noiseLevel',
};

/** "512,256" or "[512]" -> a list; "3e-4" -> 0.0003; "true" -> true; "null" -> null; anything else stays a string. */
function parseValue(text: string): unknown {
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      throw new UsageError(`--option value '${text}' is not a JSON list`);
    }
  }
  if (/^-?\d+(\.\d+)?(e-?\d+)?(,-?\d+(\.\d+)?(e-?\d+)?)+$/i.test(text)) return text.split(',').map(Number);
  if (text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null') return null;
  return text;
}

export function modelOverrides(kind: string, values: Record<string, unknown>): Record<string, unknown> {
  // no prototype: '--option __proto__=1' is a key like any other (and refused as unknown), not the object's prototype
  const overrides: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [flag, key] of Object.entries(FLAG_KEYS)) {
    const v = values[flag];
    if (typeof v === 'string') overrides[key] = key === 'hidden' ? v.split(',').map(Number) : parseValue(v);
  }
  for (const item of (values.option as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--option expects KEY=VALUE, got '${item}'`);
    overrides[item.slice(0, eq)] = parseValue(item.slice(eq + 1));
  }
  if (overrides.kind !== undefined || overrides.inputSize !== undefined) {
    throw new UsageError(`--option cannot set kind or inputSize (a ${kind} model's input size comes from the data)`);
  }
  return overrides;
}

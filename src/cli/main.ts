#!/usr/bin/env node
// The semigen command line: dispatches to one command module per verb; bad input is one line on stderr
// and exit code 1.
import { runBench, benchHelp } from './bench.js';
import { runInfo, infoHelp } from './info.js';
import { runTrain, trainHelp } from './train.js';
import { runFit, fitHelp } from './fit.js';
import { runEval, evalHelp } from './eval.js';
import { runPredict, predictHelp } from './predict.js';
import { runSample, sampleHelp, runReconstruct, reconstructHelp, runEncode, encodeHelp } from './outputs.js';
import { UsageError } from './args.js';

const commands: Record<string, { help: string; run: (argv: string[]) => void | Promise<void> }> = {
  train: { help: trainHelp, run: runTrain },
  fit: { help: fitHelp, run: runFit },
  eval: { help: evalHelp, run: runEval },
  predict: { help: predictHelp, run: runPredict },
  sample: { help: sampleHelp, run: runSample },
  reconstruct: { help: reconstructHelp, run: runReconstruct },
  encode: { help: encodeHelp, run: runEncode },
  info: { help: infoHelp, run: runInfo },
  bench: { help: benchHelp, run: runBench },
};

const usage = `Usage: semigen <command> [options]

Commands:
  train        train a model (ae, dae, vae, gan; semi-supervised: ssae, m1, m2, m1m2, ssgan, ladder, gamma,
               vime) on
               mnist, fashion-mnist or your own table (.csv, .tsv, gzipped or not) or .npy
  fit          choose a classifier for your table by cross-validation within a time budget, and train it
  eval         a trained run's metrics on its test rows (test_error for the semi-supervised models), or on a file
  predict      a trained classifier's classes and class probabilities for a file's rows, as CSV
  sample       new samples from a trained VAE or GAN: a PNG grid, or CSV rows of a table's columns
  reconstruct  test rows beside their reconstructions: a PNG of images, or CSV rows of a table
  encode       codes of a file's rows, as .npy or .csv
  info         version, CPU instruction set, threads, CUDA build and GPUs
  bench        benchmarks: sgemm, peak, mlp-step, mlp-train, vae-step, gan-step, m2-step

Run \`semigen <command> --help\` for a command's options.`;

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    if (name === undefined) process.exitCode = 1;
    return;
  }
  if (name === '--version' || name === '-v') {
    const { info } = await import('../backend.js');
    console.log(info().version);
    return;
  }
  // an own key only: 'constructor' or '__proto__' is no command
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) throw new UsageError(`unknown command '${name}' (expected one of: ${Object.keys(commands).join(', ')})`);
  await command.run(rest);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  // bad input is one line; an engine failure (e.g. the addon failing to load) keeps its list of causes
  const text = e instanceof UsageError ? message.split('\n')[0] : message;
  process.stderr.write(text.startsWith('semigen:') ? `${text}\n` : `semigen: ${text}\n`);
  if (!(e instanceof UsageError) && process.env.SEMIGEN_DEBUG) console.error(e);
  process.exitCode = 1;
});

// Opening a model file without ever blocking: a FIFO, a device or a socket named as a model would
// hang open() or read() (and with them every client of the server), so only regular files are opened,
// and with O_NONBLOCK so that a path swapped for a FIFO between the check and the open cannot hang either.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { modelError } from './modelError';

/** open() flags for model files: read-only, never waiting for a writer. */
export const modelOpenFlags = constants.O_RDONLY | constants.O_NONBLOCK;

/** Text files read whole (config.json, tokenizer.json, an index) are refused above this size. */
const maxTextBytes = 256 * 1024 * 1024;

function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isDirectory()) return 'a folder';
  return 'not a regular file';
}

function notRegular(path: string, stat: Stats) {
  return modelError('model_not_found', path, `is ${kindOf(stat)}, not a regular file`, 'Give the path of a .gguf file or of a Hugging Face folder with config.json and *.safetensors (regular files, not pipes or devices).');
}

/** A regular file or a folder (what a model path may be); anything else is refused without opening it. */
export function statModelPath(path: string): Stats {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) throw modelError('model_not_found', path, 'does not exist');
  if (!stat.isFile() && !stat.isDirectory()) throw notRegular(path, stat);
  return stat;
}

export function openModelFile(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat && !stat.isFile()) throw notRegular(path, stat);
  let fd: number;
  try {
    fd = openSync(path, modelOpenFlags);
  } catch (err) {
    throw modelError('model_not_found', path, `cannot open: ${(err as Error).message}`);
  }
  const opened = fstatSync(fd);
  if (!opened.isFile()) {
    closeSync(fd);
    throw notRegular(path, opened);
  }
  return fd;
}

/** A whole small text file of a model (JSON, a template), opened as safely as the weights. */
export function readModelText(path: string): string {
  const fd = openModelFile(path);
  try {
    const size = fstatSync(fd).size;
    if (size > maxTextBytes) throw modelError('model_bad_config', path, `is ${size} bytes; a model's text files are at most ${maxTextBytes}`);
    const buf = Buffer.alloc(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, buf, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    return buf.toString('utf8', 0, done);
  } finally {
    closeSync(fd);
  }
}

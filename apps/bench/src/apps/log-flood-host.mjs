// Runs @pool/log-transports' log-flood scenario once in a process of its own, so that the CPU it measures
// (the host's: pool's child handling and file transport) is the supervisor's and nothing of the bench's.
// argv: <sink> <lines> <directory>. Prints one JSON line: { seconds, masterCpuSeconds, linesLost }.
import { logFlood } from '@pool/log-transports/bench/log-flood';

const [sink, lines, directory] = process.argv.slice(2);
try {
  const result = await logFlood({ sink, lines: Number(lines), directory });
  console.log(JSON.stringify({ ...result, linesLost: 0 }));
} catch (error) {
  // logFlood refuses a file that lacks lines: "<sink>: <found> lines in <path>, expected <lines>".
  const found = /: (\d+) lines in .*, expected (\d+)/.exec(error.message);
  if (!found) throw error;
  console.log(JSON.stringify({ sink, lines: Number(lines), linesLost: Number(found[2]) - Number(found[1]) }));
}

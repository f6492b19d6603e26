/**
 * An example program: CWL tools imported as functions and chained with futures.
 *
 *   npm run build && node dist/cwl-examples/chain.js [FILE...]      (from the repository root)
 *
 * Every file is counted by wc.cwl (in parallel, one kernel task each); a bash app adds the counts
 * (its arguments are futures of the `lines` outputs); cat.cwl joins the wc reports (futures of the
 * `report` File outputs). Nothing waits until the end: the kernel starts each task when its inputs
 * are ready. Prints a JSON summary on stdout.
 */
import { readFileSync } from 'node:fs';
import { DataFlowKernel, bashApp, loadTool, type CwlFile } from 'parsl-cwl';

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const runinfo = process.argv.find((a) => a.startsWith('--runinfo='))?.slice('--runinfo='.length);
const inputs = files.length > 0 ? files : ['cwl-examples/data/poem.txt', 'cwl-examples/data/notes.txt', 'cwl-examples/data/table.csv'];

const dfk = await DataFlowKernel.load({ runDir: runinfo ?? 'runinfo' });
try {
  const wc = await loadTool<{ file: CwlFile }, { lines: number; report: CwlFile }>('cwl-examples/wc.cwl');
  const cat = await loadTool<{ files: CwlFile[] }, { joined: CwlFile }>('cwl-examples/cat.cwl');
  const total = bashApp((a: { counts: number[] }) => `echo $(( ${a.counts.join(' + ')} ))`, { name: 'total' });

  const counted = inputs.map((path) => wc({ file: { class: 'File', path } }));
  const sum = total({ counts: counted.map((c) => c.output('lines')) }, { stdout: `${dfk.runDir}/total.txt` });
  const joined = cat({ files: counted.map((c) => c.output('report')) });

  const [sumResult, joinedResult] = await Promise.all([sum.result(), joined.result()]);
  const summary = {
    files: inputs,
    lines: await Promise.all(counted.map((c) => c.output('lines').result())),
    total: Number(readFileSync(sumResult.stdout as string, 'utf8').trim()),
    reports: joinedResult.joined.path,
    tasks: dfk.taskCounts(),
  };
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await dfk.shutdown();
}

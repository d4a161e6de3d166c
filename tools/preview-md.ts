// CLI of the preview renderer: reads each stack's `pulumi preview --json` output, event log and
// stderr, and prints the pull-request comment (Markdown). See docs/preview.md.
//
//   npm run preview:md -- --stack dev --preview dev.json --events dev.events.jsonl --stderr dev.err \
//                         --stack prod --preview prod.json --events prod.events.jsonl [--out comment.md]
import * as fs from "fs";
import { CommentOptions, StackInput, renderPreviewMarkdown } from "./preview-md/render";

const USAGE = "usage: preview-md (--stack <name> [--preview <json>] [--events <jsonl>] [--stderr <file>])... [--title <text>] [--subtitle <text>] [--out <file>]";

/** A missing file reads as empty: a preview that failed early leaves some of them unwritten. */
function read(file: string): string {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
}

export function parseArgs(argv: string[]): { stacks: StackInput[]; opts: CommentOptions; out?: string } {
    const stacks: StackInput[] = [];
    const opts: CommentOptions = {};
    let out: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = argv[++i];
        if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
        const current = () => {
            if (stacks.length === 0) throw new Error(`${flag} before any --stack\n${USAGE}`);
            return stacks[stacks.length - 1];
        };
        switch (flag) {
            case "--stack": stacks.push({ stack: value }); break;
            case "--preview": current().previewJson = read(value); break;
            case "--events": current().eventLog = read(value); break;
            case "--stderr": current().stderr = read(value); break;
            case "--title": opts.title = value; break;
            case "--subtitle": opts.subtitle = value; break;
            case "--out": out = value; break;
            default: throw new Error(`unknown argument ${flag}\n${USAGE}`);
        }
    }
    if (stacks.length === 0) throw new Error(USAGE);
    return { stacks, opts, out };
}

if (require.main === module) {
    try {
        const { stacks, opts, out } = parseArgs(process.argv.slice(2));
        const markdown = renderPreviewMarkdown(stacks, opts);
        if (out) fs.writeFileSync(out, markdown);
        else process.stdout.write(markdown);
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exit(2);
    }
}

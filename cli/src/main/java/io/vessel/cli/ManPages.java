package io.vessel.cli;

import java.io.File;
import java.io.PrintStream;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Build step: the man pages' AsciiDoc sources from the same command model the parser uses — vesselctl(1), one page
 * per noun (vesselctl-ve(1), …) and per verb — written by picocli's generator and turned into troff by Asciidoctor
 * in the same build. Run with the output directory as its argument; picocli-codegen is on the build's class path
 * only.
 */
public final class ManPages {

    private ManPages() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        Vesselctl root = new Vesselctl(quiet, quiet, false);
        int code = ManPageGenerator.generateManPage(new File(args[0]), null, new boolean[0], true, Vesselctl.commandLine(root).getCommandSpec());
        System.exit(code);
    }
}

package io.vessel.persistence.internal;

import java.util.List;
import org.antlr.v4.runtime.BailErrorStrategy;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.hibernate.grammars.hql.HqlLexer;
import org.hibernate.grammars.hql.HqlParser;
import org.hibernate.query.hql.internal.HqlParseTreeBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses statements of the shapes the API's queries have, once, a few seconds after the panel started: Hibernate's
 * HQL parser (ANTLR) builds its prediction cache during its first parses, about half a second of CPU here, which the
 * first requests after a start would pay otherwise. Not during the start itself: nothing on the start path parses
 * HQL, and both cores are busy then (issue 14 measured a warm-up beside Hibernate's boot to slow the start down).
 * Parsing only, as Hibernate parses (SLL prediction, bail on error): the entity names need not exist.
 */
final class HqlWarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(HqlWarmUp.class);

    static final List<String> SHAPES = List.of(
            "select e from Entity e where e.a = :a and e.b in :b order by e.c desc, e.d",
            "select e from Entity e where e.a.b = :a and (e.c is null or e.d < :d) and e.f like :f",
            "select count(e), max(e.a) from Entity e where e.b <> :b",
            "select e.a, e.b, sum(e.c) from Entity e join Other o on o.id = e.d where o.h >= :h group by e.a, e.b",
            "update Entity e set e.a = :a, e.b = null where e.c = :c and e.d in (:d, :e)",
            "delete from Entity e where e.a = :a and e.b < :b");

    private HqlWarmUp() {
    }

    static void run() {
        long started = System.nanoTime();
        try {
            parseAll();
            LOG.debug("HQL parser warmed statements={} tookMs={}", SHAPES.size(), (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("HQL parser not warmed: {}", e.toString()); // only a first request's speed depends on it
        }
    }

    /** Parses every shape; a shape that is not HQL fails (the parser bails out). */
    static void parseAll() {
        for (String hql : SHAPES) {
            HqlLexer lexer = HqlParseTreeBuilder.INSTANCE.buildHqlLexer(hql);
            HqlParser parser = HqlParseTreeBuilder.INSTANCE.buildHqlParser(hql, lexer);
            parser.getInterpreter().setPredictionMode(PredictionMode.SLL);
            parser.removeErrorListeners();
            parser.setErrorHandler(new BailErrorStrategy());
            parser.statement();
        }
    }
}

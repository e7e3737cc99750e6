package dev.azurekeyvaultissuer.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * Keeps standard output for what {@code create-ca-cert} prints (PEM, the ClusterIssuer): the jar's logback
 * configuration writes the operator's log to the console's standard output, so for this command its console
 * appenders move to standard error, and libraries only speak up from WARN (MSAL from ERROR).
 */
final class CreateCaLogging {

    private CreateCaLogging() {}

    static void toStandardError() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root.getLevel() == null || !root.getLevel().isGreaterOrEqual(Level.WARN)) {
            root.setLevel(Level.WARN);
        }
        // A refused token request is logged by MSAL at WARN; the command's own message quotes its AADSTS line.
        context.getLogger("com.microsoft.aad.msal4j").setLevel(Level.ERROR);
        for (Logger logger : context.getLoggerList()) {
            for (Iterator<Appender<ch.qos.logback.classic.spi.ILoggingEvent>> it = logger.iteratorForAppenders();
                    it.hasNext(); ) {
                if (it.next() instanceof ConsoleAppender<?> console && !"System.err".equals(console.getTarget())) {
                    console.stop();
                    console.setTarget("System.err");
                    console.start();
                }
            }
        }
    }
}

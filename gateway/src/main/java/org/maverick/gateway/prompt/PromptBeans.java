package org.maverick.gateway.prompt;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;
import org.maverick.gateway.config.GatewayConfig;

import java.io.IOException;
import java.nio.file.Path;

/** Wires the prompt stage's pure classes as beans, from {@code gateway.prompt.*} and {@code gateway.tokenizer.*}. */
public class PromptBeans {

    private static final Logger LOG = Logger.getLogger(PromptBeans.class);

    @Produces
    @Singleton
    Llama4ChatTemplate template(GatewayConfig config) {
        return new Llama4ChatTemplate(config.prompt().writeBos());
    }

    /** Loaded once at start; a configured but unreadable tokenizer fails the start, naming the setting. */
    @Produces
    @Singleton
    TokenCounter tokenCounter(GatewayConfig config) {
        if (config.tokenizer().path().isEmpty()) {
            LOG.warn("No tokenizer configured (gateway.tokenizer.path): usage token counts are ESTIMATED at about "
                    + "four characters a token. Point it at the checkpoint's tokenizer.model for exact counts.");
            return new EstimatingCounter();
        }
        Path path = config.tokenizer().path().get();
        try {
            TokenCounter counter = TiktokenCounter.load(path);
            LOG.infof("Tokenizer loaded from %s", path);
            return counter;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("gateway.tokenizer.path: cannot load the tokenizer from " + path + ": "
                    + e.getMessage(), e);
        }
    }
}

package dev.llmbatch.core.latency;

import dev.llmbatch.core.config.HedgingSettings;
import dev.llmbatch.core.time.Ticker;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What each deployment's calls take, learned from the answers it gives, and when a call in flight has become a
 * straggler worth hedging. One model per model pool, keyed by deployment (e.g. {@code DeploymentConfig.id()}).
 *
 * <h2>The model</h2>
 * A non-streaming call is done when its whole answer is: by reference section 6, {@code e2e = rtt + TTFT +
 * out_tokens / TPS} where TTFT and TPS are log-normal, and a region's bad moments (slow calls, stalls, a congested
 * hour) stretch the whole call. So a call's time is modelled as {@code (a + b * out_tokens) * R}: a fixed part
 * {@code a} and a time per output token {@code b}, fitted by least squares on (completion tokens, elapsed) of the
 * answers, and a size-free factor {@code R = elapsed / (a + b * out_tokens)} whose distribution is learned in a
 * log histogram. A call of {@code maxTokens} is a straggler after {@code quantile(R) * (a + b * out)}, with
 * {@code out} the smaller of {@code maxTokens} and the quantile of the answer lengths the deployment gave: one spread
 * learned from calls of every size serves a call of any size. Taking {@code max_tokens} alone erred so late that no
 * call was ever hedged when jobs set generous limits (a 30 s stall against a 600-token limit at 50 tokens/s). The prompt's prefill (50 ms per 1,000 tokens in the reference) is small
 * against TTFT and is left in {@code a}. When every answer had about the same length the slope cannot be told apart
 * and the fit is the mean time ({@code b = 0}); a negative slope is read the same way, a negative intercept as a line
 * through the origin.
 *
 * <p>Decay: every observation weighs {@code 2^(age / half-life)} less than a new one, age measured on the injected
 * {@link Ticker} (simulated time when the worker runs scaled), so a deployment called once a minute forgets at the
 * same pace as one called a hundred times a second. {@link #hedgeAfter} answers only once a deployment has given
 * {@code min-samples} answers, and never less than {@code min-delay-ms}.
 *
 * <p>Memory is fixed per deployment (four histograms of about 300 bins and five sums, about 7 KB) whatever the
 * number of calls; the keys are the pool's configured deployments.
 *
 * <p>Not thread-safe: use it from one thread (the dispatcher's event loop). The snapshot is immutable.
 */
public final class LatencyModel {
    private static final double NANOS_PER_S = 1e9;
    /** Rescale the weights once a new sample weighs 2^256 times the origin's. */
    private static final double RESCALE_EXPONENT = 256;

    private final Ticker ticker;
    private final double quantile;
    private final int minSamples;
    private final long minDelayNanos;
    private final double halfLifeNanos;
    private final Map<String, State> states = new LinkedHashMap<>();

    /**
     * @param settings the pool's hedging settings (quantile, min-samples, min-delay-ms, half-life-ms are read)
     * @param ticker   the clock observations are aged with
     */
    public LatencyModel(HedgingSettings settings, Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.quantile = settings.quantile();
        this.minSamples = settings.minSamples();
        this.minDelayNanos = settings.minDelayMs() * 1_000_000L;
        this.halfLifeNanos = settings.halfLifeMs() * 1e6;
    }

    /**
     * Learns from one answered call.
     *
     * @param deploymentKey    the deployment that answered
     * @param elapsed          from sending the request to the whole answer (not queueing before it)
     * @param promptTokens     usage.prompt_tokens (kept for the API; see the class comment)
     * @param completionTokens usage.completion_tokens
     */
    public void record(String deploymentKey, Duration elapsed, int promptTokens, int completionTokens) {
        State s = states.computeIfAbsent(deploymentKey, k -> new State(ticker.nanos()));
        double w = s.weight(ticker.nanos(), halfLifeNanos);
        double y = Math.max(1e-6, elapsed.toNanos() / NANOS_PER_S);
        double x = Math.max(0, completionTokens);
        s.sw += w;
        s.sx += w * x;
        s.sy += w * y;
        s.sxx += w * x * x;
        s.sxy += w * x * y;
        s.samples++;
        s.answer.add(y, w);
        s.perToken.add(y / Math.max(1, x), w);
        s.ratio.add(y / s.expected(x), w);
        s.output.add(Math.max(1, x), w);
    }

    /**
     * Learns from a call that was given up (its hedge won, or it timed out) after {@code elapsed}: its time is a
     * lower bound, added to the spread at that value. Quantiles are ranks, so a lower bound above the hedge point
     * keeps the share of stragglers right; leaving such calls out would teach the model that the deployment never
     * straggles. Does not count towards {@code min-samples}; ignored before the deployment's first answer.
     */
    public void recordUnfinished(String deploymentKey, Duration elapsed, int maxTokens) {
        State s = states.get(deploymentKey);
        if (s == null || s.samples == 0) {
            return;
        }
        double w = s.weight(ticker.nanos(), halfLifeNanos);
        double y = Math.max(1e-6, elapsed.toNanos() / NANOS_PER_S);
        s.answer.add(y, w);
        s.ratio.add(y / s.expected(Math.max(0, maxTokens)), w);
    }

    /**
     * How long a call of this size may run on this deployment before it is a straggler: the configured quantile of
     * its expected time, at least {@code min-delay-ms}; empty until the deployment has {@code min-samples} answers.
     */
    public Optional<Duration> hedgeAfter(String deploymentKey, int promptTokens, int maxTokens) {
        State s = states.get(deploymentKey);
        // A job's max_tokens is often far above what its answers take (a generous limit, or the service's default):
        // its answer is taken to be at most the quantile of the answers this deployment gave, or max_tokens if less.
        int out = s == null || s.samples == 0 ? maxTokens
                : (int) Math.min(maxTokens, Math.ceil(s.output.quantile(quantile)));
        Optional<Duration> e = expected(deploymentKey, out, quantile);
        return e.map(d -> d.toNanos() < minDelayNanos ? Duration.ofNanos(minDelayNanos) : d);
    }

    /**
     * The {@code q}-quantile of the time of a call answering {@code outputTokens}, without the floor; empty until
     * the deployment has {@code min-samples} answers.
     */
    public Optional<Duration> expected(String deploymentKey, int outputTokens, double q) {
        State s = states.get(deploymentKey);
        if (s == null || s.samples < minSamples) {
            return Optional.empty();
        }
        double seconds = s.ratio.quantile(q) * s.expected(Math.max(0, outputTokens));
        return Optional.of(Duration.ofNanos((long) Math.ceil(seconds * NANOS_PER_S)));
    }

    /** Answers learned from so far for a deployment (0 if none). */
    public long samples(String deploymentKey) {
        State s = states.get(deploymentKey);
        return s == null ? 0 : s.samples;
    }

    /** Every deployment's learned latency, in first-seen order, for metrics and {@code /status.json}. */
    public Map<String, DeploymentLatency> snapshot() {
        Map<String, DeploymentLatency> out = new LinkedHashMap<>();
        states.forEach((k, s) -> out.put(k, s.snapshot(quantile)));
        return Collections.unmodifiableMap(out);
    }

    /**
     * One deployment's learned latency.
     *
     * @param samples         answers learned from (not decayed)
     * @param answerP50       median time to answer, whatever the size
     * @param answerP95       95th percentile time to answer
     * @param perTokenP50     median of elapsed / completion tokens
     * @param perTokenP95     95th percentile of elapsed / completion tokens
     * @param fixed           the fitted fixed part {@code a}
     * @param perOutputToken  the fitted time per output token {@code b}
     * @param tailFactor      the configured quantile of {@code R}: a straggler takes this many times the fit
     */
    public record DeploymentLatency(long samples, Duration answerP50, Duration answerP95, Duration perTokenP50,
                                    Duration perTokenP95, Duration fixed, Duration perOutputToken,
                                    double tailFactor) {
    }

    private static Duration seconds(double s) {
        return Double.isNaN(s) ? Duration.ZERO : Duration.ofNanos((long) Math.ceil(s * NANOS_PER_S));
    }

    /** One deployment's histograms and decayed regression sums, all weighted from the same origin. */
    private static final class State {
        final DecayingHistogram answer = new DecayingHistogram(1e-3, 3_600);
        final DecayingHistogram perToken = new DecayingHistogram(1e-5, 100);
        final DecayingHistogram ratio = new DecayingHistogram(1e-2, 1e3);
        final DecayingHistogram output = new DecayingHistogram(1, 1e6);
        double sw;
        double sx;
        double sy;
        double sxx;
        double sxy;
        long samples;
        long origin;

        State(long now) {
            this.origin = now;
        }

        /** The weight of a sample taken now, rescaling everything first when it would grow too large. */
        double weight(long now, double halfLifeNanos) {
            double exponent = (now - origin) / halfLifeNanos;
            if (exponent > RESCALE_EXPONENT) {
                double f = Math.pow(2, -exponent);
                answer.scale(f);
                perToken.scale(f);
                ratio.scale(f);
                output.scale(f);
                sw *= f;
                sx *= f;
                sy *= f;
                sxx *= f;
                sxy *= f;
                origin = now;
                return 1;
            }
            return Math.pow(2, exponent);
        }

        /** {a, b} of the decayed least-squares line elapsed = a + b * tokens (see the class comment). */
        double[] fit() {
            double mx = sx / sw;
            double my = sy / sw;
            double vx = sxx / sw - mx * mx;
            if (vx < 1.0) {
                return new double[] {my, 0};
            }
            double b = (sxy / sw - mx * my) / vx;
            if (b <= 0) {
                return new double[] {my, 0};
            }
            double a = my - b * mx;
            if (a < 0) {
                return new double[] {0, sxy / sxx};
            }
            return new double[] {a, b};
        }

        double expected(double tokens) {
            double[] ab = fit();
            return Math.max(1e-6, ab[0] + ab[1] * tokens);
        }

        DeploymentLatency snapshot(double q) {
            double[] ab = samples == 0 ? new double[] {Double.NaN, Double.NaN} : fit();
            return new DeploymentLatency(samples, seconds(answer.quantile(0.5)), seconds(answer.quantile(0.95)),
                    seconds(perToken.quantile(0.5)), seconds(perToken.quantile(0.95)), seconds(ab[0]),
                    seconds(ab[1]), ratio.quantile(q));
        }
    }
}

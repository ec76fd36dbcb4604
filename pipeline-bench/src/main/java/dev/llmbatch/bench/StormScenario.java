package dev.llmbatch.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbatch.bench.chart.Chart;
import dev.llmbatch.bench.report.Report;
import dev.llmbatch.bench.stats.SecondSeries;
import dev.llmbatch.bench.stats.Windows;
import dev.llmbatch.simulator.DeploymentStats;
import dev.llmbatch.simulator.Simulator;
import dev.llmbatch.worker.Worker;
import java.awt.Color;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scenario 2: the largest region's quota drops to the simulator's minimum (1 TPM / 1 RPM: nothing fits) for 60
 * simulated seconds mid-run, then comes back. Surviving regions' throughput during vs before, how long the stormed
 * region takes to be back at 90% of its pre-storm rate, and whether every job still gets exactly one result.
 */
final class StormScenario {
    static final String STORM_REGION = "swedencentral";
    static final double TARGET_SURVIVING = 0.95;
    static final double TARGET_RECOVERY_S = 5;
    static final int RECOVERY_WINDOW_S = 5;

    private StormScenario() {
    }

    static void run(Context ctx) throws Exception {
        Settings s = ctx.settings;
        double ts = s.stormTimeScale();
        List<SimSetup.RegionSpec> regions = SimSetup.REGIONS;
        long summedTpm = SimSetup.summedTpm(regions);
        SimSetup.RegionSpec stormed = regions.stream().filter(r -> r.name().equals(STORM_REGION)).findFirst()
                .orElseThrow();
        // enough backlog to keep every region busy until stormEndOfBacklogS (minus what the storm takes away)
        List<Workload.Item> probeJobs = Workload.tokenBound("probe", 200, s.seed() + 1);
        double avgCost = (double) Workload.totalCost(probeJobs) / probeJobs.size();
        double tokens = summedTpm / 60.0 * s.stormEndOfBacklogS() - stormed.tpm() / 60.0 * s.stormLengthS();
        int count = (int) Math.ceil(tokens / avgCost);
        List<Workload.Item> jobs = Workload.tokenBound("storm", count, s.seed() + 1);
        SimSetup.Topics t = ctx.topics("storm");
        BenchKafka.produce(ctx.bootstrap(), t.jobs(), jobs);
        ctx.log("storm: %d jobs; %s drops to 1 TPM at t0+%d s for %d simulated s; time-scale %s", count,
                STORM_REGION, s.stormStartS(), s.stormLengthS(), SimSetup.num(ts));

        double stormSet;
        double restoreSet;
        Map<String, DeploymentStats> atStormStart;
        Map<String, DeploymentStats> atStormEnd;
        Map<String, DeploymentStats> last;
        long t0;
        int distinct;
        long records;
        double drainWall;
        try (Simulator sim = SimSetup.startSimulator(regions, ts, SimSetup.Latency.REALISTIC, false, s.seed());
             SimProbe probe = new SimProbe(sim);
             BenchKafka.ResultCollector results = new BenchKafka.ResultCollector(ctx.bootstrap(), t.results(),
                     false, null)) {
            String yaml = SimSetup.workerYaml(sim, ctx.bootstrap(), t, ts, false, null);
            long w0 = System.nanoTime();
            Worker worker = Worker.start(SimSetup.workerConfig(yaml), SimSetup.workerEnv());
            try {
                t0 = probe.awaitFirstAdmission(Duration.ofSeconds(120));
                probe.awaitSimSecond(t0 + s.stormStartS());
                sim.setQuota(STORM_REGION, SimSetup.DEPLOYMENT, 1, 1);
                stormSet = probe.simSeconds();
                atStormStart = probe.stats();
                ctx.log("storm: %s quota -> 1 TPM at simulated second %.1f", STORM_REGION, stormSet);
                probe.awaitSimSecond(t0 + s.stormStartS() + s.stormLengthS());
                sim.setQuota(STORM_REGION, SimSetup.DEPLOYMENT, stormed.tpm(), stormed.rpm());
                restoreSet = probe.simSeconds();
                atStormEnd = probe.stats();
                ctx.log("storm: %s quota restored at simulated second %.1f", STORM_REGION, restoreSet);
                double expectWall = (t0 + s.stormEndOfBacklogS() - probe.simSeconds()) / ts;
                boolean all = results.awaitCount(count, Duration.ofSeconds((long) (expectWall * 3) + 120));
                drainWall = (System.nanoTime() - w0) / 1e9;
                ctx.log("storm: %s results for %d jobs after %.1f s wall", all ? "all" : "NOT all", count, drainWall);
            } finally {
                worker.close();
            }
            last = probe.stats();
            distinct = results.distinct();
            records = results.records();
        }

        Map<String, SecondSeries> series = new LinkedHashMap<>();
        last.forEach((r, d) -> series.put(r, SimProbe.series(d)));
        long stormFrom = (long) Math.ceil(stormSet);
        long restore = (long) Math.ceil(restoreSet);
        Windows.Range before = new Windows.Range(t0 + s.warmupS(), (long) Math.floor(stormSet));
        Windows.Range during = new Windows.Range(stormFrom, (long) Math.floor(restoreSet));
        List<SecondSeries> survivors = new ArrayList<>();
        series.forEach((r, x) -> {
            if (!r.equals(STORM_REGION)) {
                survivors.add(x);
            }
        });
        SecondSeries surviving = SecondSeries.plus(survivors);
        double survBefore = surviving.mean(before.from(), before.to());
        double survDuring = surviving.mean(during.from(), during.to());
        double ratio = survDuring / survBefore;
        SecondSeries storm = series.get(STORM_REGION);
        double stormBefore = storm.mean(before.from(), before.to());
        long recovery = Windows.recoverySeconds(storm, restore, stormBefore, 0.9, RECOVERY_WINDOW_S,
                restore + 120);
        double afterRatio = storm.mean(restore + 10, restore + 60) / stormBefore;
        long lost = count - distinct;
        long dup = records - distinct;
        DeploymentStats sb = atStormStart.get(STORM_REGION);
        DeploymentStats se = atStormEnd.get(STORM_REGION);
        long stormRequests = se.requests() - sb.requests();
        long storm429 = se.rateLimited() - sb.rateLimited();
        long survivorsStorm429 = 0;
        long survivorsStormReq = 0;
        for (String r : last.keySet()) {
            if (!r.equals(STORM_REGION)) {
                survivorsStorm429 += atStormEnd.get(r).rateLimited() - atStormStart.get(r).rateLimited();
                survivorsStormReq += atStormEnd.get(r).requests() - atStormStart.get(r).requests();
            }
        }

        ObjectNode j = ctx.json.putObject("storm");
        j.put("surviving_throughput_ratio", Report.round(ratio, 4));
        j.put("recovery_seconds", recovery);
        j.put("recovery_wall_seconds", Report.round(recovery / ts, 3));
        j.put("lost_jobs", lost);
        j.put("duplicate_results", dup);
        j.put("jobs", count);
        j.put("stormed_region", STORM_REGION);
        j.put("stormed_region_after_over_before", Report.round(afterRatio, 4));
        j.put("stormed_region_requests_during_storm", stormRequests);
        j.put("stormed_region_429s_during_storm", storm429);
        j.put("survivors_429s_during_storm", survivorsStorm429);
        j.put("time_scale", ts);

        boolean passS = ratio >= TARGET_SURVIVING;
        boolean passR = recovery >= 0 && recovery <= TARGET_RECOVERY_S;
        boolean passL = lost == 0;
        ctx.summary("2 storm", "surviving regions' throughput during / before", ">= 0.95", Report.f(ratio, 4), passS);
        ctx.summary("2 storm", "recovery after the region returns (simulated s)", "<= 5 s",
                recovery < 0 ? "never (within 120 s)" : recovery + " s (" + Report.f(recovery / ts, 2) + " s wall)",
                passR);
        ctx.summary("2 storm", "lost jobs", "0", lost + " (duplicates: " + dup + ")", passL);

        Report r = ctx.section("storm");
        r.h2("2. Storm");
        r.p(String.format(Locale.ROOT, "Same three regions, realistic latency, time-scale %s. %,d token-bound jobs "
                        + "(enough to keep every region busy until about t0+%d s). At t0+%d s (simulated second %.1f) "
                        + "%s's quota is set to 1 TPM / 1 RPM (the simulator's minimum: every request is refused with "
                        + "retry-after 60 s) and restored at simulated second %.1f. Before = [%d, %d), during = "
                        + "[%d, %d) simulated seconds. Recovery = the first r >= 0 such that the stormed region's "
                        + "mean admitted tokens/s over [restore + r, restore + r + %d s) is >= 90%% of its mean before "
                        + "the storm (1-second resolution; %d s smoothing because a region admits only a few requests "
                        + "per second). Lost = submitted ids with no result after the backlog drained.",
                SimSetup.num(ts), count, s.stormEndOfBacklogS(), s.stormStartS(), stormSet, STORM_REGION,
                restoreSet, before.from(), before.to(), during.from(), during.to(), RECOVERY_WINDOW_S,
                RECOVERY_WINDOW_S));
        r.table(List.of("metric", "target", "measured", "verdict"), List.of(
                List.of("surviving regions' admitted tokens/s during / before", ">= 0.95",
                        String.format(Locale.ROOT, "%.4f (%.0f / %.0f tokens/s)", ratio, survDuring, survBefore),
                        Report.verdict(passS)),
                List.of("back to >= 90% of pre-storm rate after restore", "<= 5 s",
                        recovery < 0 ? "never" : String.format(Locale.ROOT, "%d simulated s = %.2f s wall",
                                recovery, recovery / ts), Report.verdict(passR)),
                List.of("lost jobs", "0", Long.toString(lost), Report.verdict(passL)),
                List.of("duplicate results (read_committed)", "0", Long.toString(dup), Report.verdict(dup == 0)),
                List.of("stormed region: requests / 429s during the storm", "few",
                        stormRequests + " / " + storm429, "info"),
                List.of("surviving regions: 429s / requests during the storm", "",
                        survivorsStorm429 + " / " + survivorsStormReq, "info"),
                List.of("stormed region rate [restore+10, restore+60) / before", "",
                        Report.f(afterRatio, 4), "info"),
                List.of("wall time until every job had its result", "", Report.f(drainWall, 1) + " s", "info")));
        if (!passS || !passR || !passL) {
            r.p(String.format(Locale.ROOT, "**Missed:** surviving ratio %.4f (target 0.95), recovery %d s (target "
                    + "<= 5), lost %d (target 0). See the chart: the stormed region's line after the restore and "
                    + "the survivors' line during the storm.", ratio, recovery, lost));
        }
        r.image("storm", "storm.png");

        // chart
        int smooth = 5;
        long end = t0 + s.stormEndOfBacklogS() + 30;
        Chart c = new Chart("Storm: admitted tokens/s per region (" + STORM_REGION + " at 1 TPM for "
                + s.stormLengthS() + " s)", "simulated seconds since first admission", "tokens / s")
                .subtitle(smooth + " s trailing mean; dashed: quota (TPM/60); surviving during/before "
                        + Report.f(ratio, 3) + ", recovery " + recovery + " s");
        int i = 0;
        for (Map.Entry<String, SecondSeries> e : series.entrySet()) {
            double[][] xy = UtilisationScenario.xy(e.getValue(), t0, end, smooth);
            c.line(e.getKey(), Chart.PALETTE[i], xy[0], xy[1]);
            SimSetup.RegionSpec spec = regions.stream().filter(x -> x.name().equals(e.getKey())).findFirst()
                    .orElseThrow();
            c.hline(e.getKey() + " quota " + Chart.fmt(spec.tpm() / 60.0) + "/s", spec.tpm() / 60.0, Chart.PALETTE[i]);
            i++;
        }
        double[][] sxy = UtilisationScenario.xy(surviving, t0, end, smooth);
        c.line("surviving regions summed", Chart.PALETTE[3], sxy[0], sxy[1]);
        c.shade("storm", stormSet - t0, restoreSet - t0, new Color(255, 228, 228))
                .shade("before", before.from() - t0, before.to() - t0, new Color(235, 245, 255))
                .xRange(0, end - t0);
        c.writePng(ctx.out.resolve("storm.png"), 1200, 520);
    }
}

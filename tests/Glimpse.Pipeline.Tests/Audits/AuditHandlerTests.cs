using System.Text.Json.Nodes;
using Glimpse.Core.Audits;
using Glimpse.Core.Contracts;
using Glimpse.Core.Evaluation;
using Glimpse.Core.Images;
using Glimpse.Core.Results;
using Glimpse.Pipeline.Audits;
using SkiaSharp;
using static Glimpse.Pipeline.Tests.Audits.AuditFixtures;

namespace Glimpse.Pipeline.Tests.Audits;

/// <summary>Scheduled audits end to end on Azurite with the tiny LLaVA model: runs, jobs, summaries, reports, drift, failures.</summary>
[Collection(PipelineCollection.Name)]
public sealed class AuditHandlerTests(Azurite azurite, TinyModels models)
{
    /// <summary>Slots are an hour long (the default): ticks at 03:00 and 03:40 belong to one slot and start one run.</summary>
    private static readonly DateTimeOffset FirstSlot = new(2026, 11, 28, 3, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset SecondSlot = FirstSlot.AddDays(1);
    private const string Question = "what color is the big ball";

    /// <summary>The LLaVA test image is 48×40: the processor's centre crop cuts its sides, so the geometry matters.</summary>
    private const int ImageWidth = 48, ImageHeight = 40;

    private async Task<PipelineHarness> HarnessAsync()
    {
        var harness = await PipelineHarness.CreateAsync(azurite, models.Engine, models.Catalog.ModelIds);
        await ClearAuditsAsync(harness.Blobs);
        return harness;
    }

    [Fact]
    public async Task A_suite_runs_as_jobs_and_its_summary_holds_the_eval_metrics_then_a_second_run_reports_drift()
    {
        var harness = await HarnessAsync();
        var blobs = harness.Blobs;
        byte[] image = TinyModels.LlavaImage();
        byte[] centreMask = Mask(ImageWidth, ImageHeight, new SKRectI(16, 12, 32, 28));
        await UploadAsync(blobs, "scenes/images/scene.png", image);
        await UploadAsync(blobs, "scenes/masks/left.png", Mask(ImageWidth, ImageHeight, new SKRectI(0, 0, 24, 40)));
        await UploadAsync(blobs, "scenes/masks/top.png", Mask(ImageWidth, ImageHeight, new SKRectI(0, 0, 48, 16)));
        await UploadAsync(blobs, "scenes/masks/centre.png", centreMask);
        var suite = Suite(["glimpse", "rollout"],
            Case("left", "images/scene.png", Question, "red", "masks/left.png"),
            Case("top", "images/scene.png", Question, "blue", "masks/top.png"),
            Case("centre", "images/scene.png", Question, null, "masks/centre.png"));
        await UploadSuiteAsync(blobs, "scenes", suite);
        var handler = Handler(harness);

        // The tick starts the run and submits six ordinary jobs; none has finished, so nothing is summarised.
        var first = await handler.TickAsync(FirstSlot, CancellationToken.None);
        var start = Assert.Single(first.Started);
        string runId = AuditLayout.RunId("scenes", FirstSlot);
        Assert.Equal(("scenes", runId, AuditStartDecision.Started, 6), (start.Suite, start.RunId, start.Decision, start.JobsSubmitted));
        Assert.StartsWith("20261128T030000Z-", runId);
        Assert.Equal(new AuditAggregation(runId, AuditAggregateDecision.Waiting, 6), Assert.Single(first.Aggregated));

        var run = await ReadAsync<AuditRunRecord>(blobs, AuditLayout.RunBlob(runId));
        Assert.Equal(["left", "left", "top", "top", "centre", "centre"], run.Jobs.Select(j => j.CaseId));
        Assert.All(run.Jobs, j => Assert.True(BlobLayout.IsValidJobId(j.JobId)));
        var centre = run.Jobs.Single(j => j is { CaseId: "centre", Method: "glimpse" });
        var manifest = JsonNode.Parse((await blobs.GetBlobContainerClient(BlobLayout.JobsContainer)
            .GetBlobClient(BlobLayout.ManifestBlob(centre.JobId!)).DownloadContentAsync()).Value.Content.ToString())!;
        Assert.Equal(runId, (string?)manifest["tags"]!["audit_run"]);
        Assert.Equal("scenes", (string?)manifest["tags"]!["audit_suite"]);
        Assert.Equal("centre", (string?)manifest["tags"]!["audit_case"]);
        Assert.Equal("scene.png", (string?)manifest["image"]);

        await RunJobsAsync(harness, runId);

        // The timer fires again in the same slot: the run is not started twice, and now every job is done.
        var second = await handler.TickAsync(FirstSlot.AddMinutes(20), CancellationToken.None);
        Assert.Equal((AuditStartDecision.AlreadyStarted, 0), (Assert.Single(second.Started).Decision, second.Started[0].JobsSubmitted));
        Assert.Equal(new AuditAggregation(runId, AuditAggregateDecision.Summarized, 0), Assert.Single(second.Aggregated));

        string summaryText = await ReadTextAsync(blobs, AuditLayout.SummaryBlob(runId));
        AuditSchemas.AssertValid("audit-summary.schema.json", JsonNode.Parse(summaryText));
        var summary = await ReadAsync<AuditSummary>(blobs, AuditLayout.SummaryBlob(runId));
        Assert.Equal(AuditRunOutcome.Completed, summary.Outcome);
        Assert.Equal(new AuditCounts(3, 6, 6, 0), summary.Counts);
        Assert.Null(summary.Drift);
        Assert.Equal(["glimpse", "rollout"], summary.ByMethod.Keys.Order());
        foreach (var (method, methodSummary) in summary.ByMethod)
        {
            Assert.Equal((3, 3, 0), (methodSummary.Jobs, methodSummary.Succeeded, methodSummary.Failed));
            foreach (var name in new[] { "pointing_game", "mass_inside", "sim", "auc_judd" })
                Assert.InRange(methodSummary.Metrics[name].Mean!.Value, 0, 1);
            foreach (var name in new[] { "cc", "spearman" })
                Assert.InRange(methodSummary.Metrics[name].Mean!.Value, -1, 1);
            Assert.True(methodSummary.Metrics["kld"].Mean >= 0);
            Assert.All(methodSummary.Metrics.Values, m => Assert.Equal(3, m.Count));
            Assert.All(methodSummary.Metrics.Values, m => Assert.InRange(m.Mean!.Value, m.CiLow!.Value, m.CiHigh!.Value));
            Assert.DoesNotContain("deletion_auc", methodSummary.Metrics.Keys);
        }

        // Accuracy is the share of answered jobs whose answer matches, over the two cases that expect one.
        var answered = summary.Cases.Where(c => c.ExpectedAnswer is not null).ToList();
        Assert.Equal(4, answered.Count);
        Assert.All(answered, c => Assert.Equal(AnswerMatching.Matches(c.Answer!, c.ExpectedAnswer!), c.Correct));
        Assert.Equal(answered.Count(c => c.Correct == true) / 4.0, summary.Accuracy!.Mean!.Value, 12);
        Assert.Equal(4, summary.Accuracy.Count);

        // One case's numbers, computed here from its result.json, whose layout is the model's own processor's.
        var row = summary.Cases.Single(c => c is { CaseId: "centre", Method: "glimpse" });
        var result = ResultJson.Deserialize((await harness.ResultBlobAsync(BlobLayout.ResultBlobs(centre.JobId!).ResultJson))!.ToString());
        Assert.Equal(result.Answer, row.Answer);
        // result.json 2.0 carries the geometry: workers no longer write geometry.json.
        Assert.Null(await harness.ResultBlobAsync(BlobLayout.GeometryBlob(centre.JobId!)));
        var runtime = await models.Catalog.GetAsync(TinyModels.Llava, CancellationToken.None);
        using (var prompt = runtime.Prepare(RgbImage.Decode(image), Question))
            Assert.Equal(prompt.ImageTokens.Grids[0].Geometry, Assert.Single(result.ImageMap.Layout.Grids).Geometry);
        AssertMetrics(ExpectedMetrics(result.ImageMap, centreMask), row);

        string report = await ReadTextAsync(blobs, AuditLayout.ReportBlob(runId));
        AssertSelfContained(report);
        Assert.Contains("id=\"results-table\"", report);
        Assert.Contains("id=\"metric-bars\"", report);
        Assert.Contains("id=\"cases-table\"", report);
        Assert.Contains("Faithfulness (deletion and insertion curves) is not part of audits", report);
        Assert.DoesNotContain("id=\"drift\"", report);

        // A third tick for the slot writes nothing: no run, no summary, no report is created or rewritten.
        var audits = blobs.GetBlobContainerClient(BlobLayout.AuditsContainer);
        var etags = new Dictionary<string, Azure.ETag>();
        await foreach (var blob in audits.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, AuditLayout.RunsFolder + "/", CancellationToken.None)) etags[blob.Name] = blob.Properties.ETag!.Value;
        var third = await handler.TickAsync(FirstSlot.AddMinutes(59), CancellationToken.None);
        Assert.Empty(third.Aggregated);
        Assert.Equal((AuditStartDecision.AlreadyStarted, 0), (third.Started[0].Decision, third.Started[0].JobsSubmitted));
        var after = new Dictionary<string, Azure.ETag>();
        await foreach (var blob in audits.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, AuditLayout.RunsFolder + "/", CancellationToken.None)) after[blob.Name] = blob.Properties.ETag!.Value;
        Assert.Equal(etags, after);
        Assert.Equal(3, etags.Count);

        // The next day: the centre mask moved to the bottom half, and the top case's image is gone.
        await UploadAsync(blobs, "scenes/masks/centre.png", Mask(ImageWidth, ImageHeight, new SKRectI(0, 20, 48, 40)));
        suite["cases"]![1]!["image"] = "images/missing.png";
        await UploadSuiteAsync(blobs, "scenes", suite);
        var nextStart = Assert.Single((await handler.TickAsync(SecondSlot, CancellationToken.None)).Started);
        string nextRunId = AuditLayout.RunId("scenes", SecondSlot);
        Assert.Equal((nextRunId, AuditStartDecision.Started, 4), (nextStart.RunId, nextStart.Decision, nextStart.JobsSubmitted));
        await RunJobsAsync(harness, nextRunId);
        var aggregated = (await handler.TickAsync(SecondSlot, CancellationToken.None)).Aggregated;
        Assert.Equal(new AuditAggregation(nextRunId, AuditAggregateDecision.Summarized, 0), Assert.Single(aggregated));

        var next = await ReadAsync<AuditSummary>(blobs, AuditLayout.SummaryBlob(nextRunId));
        AuditSchemas.AssertValid("audit-summary.schema.json", JsonNode.Parse(await ReadTextAsync(blobs, AuditLayout.SummaryBlob(nextRunId))));
        Assert.Equal(new AuditCounts(3, 6, 4, 2), next.Counts);
        var missing = next.Cases.Where(c => c.CaseId == "top").ToList();
        Assert.Equal(2, missing.Count);
        Assert.All(missing, c =>
        {
            Assert.Equal(JobStatus.Failed, c.Status);
            Assert.Null(c.JobId);
            Assert.Contains("suite 'scenes', case 'top': image 'images/missing.png' does not exist", c.Reason);
        });

        var drift = next.Drift!;
        Assert.Equal(runId, drift.PreviousRunId);
        Assert.Equal(new AuditDelta(0, 2, 2), drift.Failed);
        foreach (var method in new[] { "glimpse", "rollout" })
            foreach (var metric in AuditMetrics.Alignment)
            {
                var delta = drift.Metrics[method][metric.Name];
                Assert.Equal(summary.ByMethod[method].Metrics[metric.Name].Mean, delta.Previous);
                Assert.Equal(next.ByMethod[method].Metrics[metric.Name].Mean, delta.Current);
                Assert.Equal(delta.Current!.Value - delta.Previous!.Value, delta.Delta!.Value, 12);
            }
        Assert.Contains(drift.Metrics["glimpse"].Values, d => d.Delta != 0);
        Assert.Equal([("top", "glimpse"), ("top", "rollout")], drift.AnswerChanges.Select(c => (c.CaseId, c.Method)));
        Assert.All(drift.AnswerChanges, c => Assert.Equal((JobStatus.Succeeded, JobStatus.Failed, (string?)null), (c.PreviousStatus, c.Status, c.Answer)));

        string nextReport = await ReadTextAsync(blobs, AuditLayout.ReportBlob(nextRunId));
        AssertSelfContained(nextReport);
        Assert.Contains("id=\"drift\"", nextReport);
        Assert.Contains("id=\"answer-changes-table\"", nextReport);
        Assert.Contains("id=\"failures\"", nextReport);
        Assert.Contains(runId, nextReport);
    }

    /// <summary>The alignment metrics of a map against a mask, as the aggregator computes them on eval's comparison grid.</summary>
    private static Dictionary<string, double> ExpectedMetrics(ImageTokenMap tokenMap, byte[] mask)
    {
        var grid = ComparisonGrid.Default;
        double[] map = grid.FromTokenMap(tokenMap);
        double[] reference = grid.FromReference(ReferenceImage.Decode(mask, ReferenceKind.Mask, "mask"));
        return new Dictionary<string, double>
        {
            ["nss"] = SaliencyMetrics.Nss(map, reference), ["cc"] = SaliencyMetrics.Cc(map, reference),
            ["kld"] = SaliencyMetrics.Kld(map, reference), ["sim"] = SaliencyMetrics.Sim(map, reference),
            ["auc_judd"] = SaliencyMetrics.AucJudd(map, reference), ["spearman"] = SaliencyMetrics.Spearman(map, reference),
            ["pointing_game"] = SaliencyMetrics.PointingGame(map, reference),
            ["mass_inside"] = SaliencyMetrics.MassInside(map, reference, ReferenceKind.Mask),
        };
    }

    private static void AssertMetrics(Dictionary<string, double> expected, AuditCaseResult row)
    {
        Assert.Equal(expected.Keys.Order(), row.Metrics!.Keys.Order());
        foreach (var (name, value) in expected) Assert.Equal(value, row.Metrics[name]!.Value, 12);
    }

    [Fact]
    public async Task Method_variants_run_as_their_method_with_the_suites_options_and_their_own_and_are_summarised_apart()
    {
        var harness = await HarnessAsync();
        var blobs = harness.Blobs;
        await UploadAsync(blobs, "ablation/scene.png", TinyModels.LlavaImage());
        await UploadAsync(blobs, "ablation/mask.png", Mask(ImageWidth, ImageHeight, new SKRectI(0, 0, 24, 40)));
        var suite = Suite(["glimpse", "glimpse[depth_prior=off,lambda=1]", "raw-attention[layer=0]"], Case("only", "scene.png", Question, null, "mask.png"));
        suite["options"] = new JsonObject { ["lambda"] = 2.0, ["propagation"] = "plain" };
        await UploadSuiteAsync(blobs, "ablation", suite);
        var handler = Handler(harness);

        var start = Assert.Single((await handler.TickAsync(FirstSlot, CancellationToken.None)).Started);
        Assert.Equal(3, start.JobsSubmitted);
        var run = await ReadAsync<AuditRunRecord>(blobs, AuditLayout.RunBlob(start.RunId));
        async Task<JsonNode> ManifestAsync(string method) => JsonNode.Parse((await blobs.GetBlobContainerClient(BlobLayout.JobsContainer)
            .GetBlobClient(BlobLayout.ManifestBlob(run.Jobs.Single(j => j.Method == method).JobId!)).DownloadContentAsync()).Value.Content.ToString())!;
        var plain = await ManifestAsync("glimpse");
        Assert.Equal("glimpse", (string?)plain["method"]);
        Assert.Equal(["lambda", "propagation"], plain["options"]!.AsObject().Select(o => o.Key).Order());
        var variant = await ManifestAsync("glimpse[depth_prior=off,lambda=1]");
        Assert.Equal("glimpse", (string?)variant["method"]);
        Assert.Equal(1.0, variant["options"]!["lambda"]!.GetValue<double>());          // the variant's own wins
        Assert.False(variant["options"]!["depth_prior"]!.GetValue<bool>());
        Assert.Equal("plain", (string?)variant["options"]!["propagation"]);            // the suite's, kept
        Assert.Equal("glimpse[depth_prior=off,lambda=1]", (string?)variant["tags"]!["audit_method"]);
        var raw = await ManifestAsync("raw-attention[layer=0]");
        Assert.Equal(("raw-attention", 0), ((string?)raw["method"], raw["options"]!["layer"]!.GetValue<int>()));

        await RunJobsAsync(harness, start.RunId);
        Assert.Equal(AuditAggregateDecision.Summarized,
            Assert.Single((await handler.TickAsync(FirstSlot.AddMinutes(20), CancellationToken.None)).Aggregated).Decision);
        AuditSchemas.AssertValid("audit-summary.schema.json", JsonNode.Parse(await ReadTextAsync(blobs, AuditLayout.SummaryBlob(start.RunId))));
        var summary = await ReadAsync<AuditSummary>(blobs, AuditLayout.SummaryBlob(start.RunId));
        Assert.Equal(["glimpse", "glimpse[depth_prior=off,lambda=1]", "raw-attention[layer=0]"], summary.Methods);
        Assert.All(summary.ByMethod.Values, m => Assert.Equal((1, 1), (m.Jobs, m.Succeeded)));
        // Each job ran with what its manifest asked: result.json records the variant's options.
        var results = summary.Cases.ToDictionary(c => c.Method, c => c.JobId!);
        var variantResult = ResultJson.Deserialize((await harness.ResultBlobAsync(BlobLayout.ResultBlobs(results["glimpse[depth_prior=off,lambda=1]"]).ResultJson))!.ToString());
        Assert.Equal(("off", "1", "plain"), (variantResult.Options["depth_prior"], variantResult.Options["lambda"], variantResult.Options["propagation"]));
        var rawResult = ResultJson.Deserialize((await harness.ResultBlobAsync(BlobLayout.ResultBlobs(results["raw-attention[layer=0]"]).ResultJson))!.ToString());
        Assert.Equal("0", rawResult.Options["layer"]);
        Assert.Contains("glimpse[depth_prior=off,lambda=1]", await ReadTextAsync(blobs, AuditLayout.ReportBlob(start.RunId)));
    }

    [Fact]
    public async Task A_result_json_1_x_with_the_geometry_json_1_0_an_older_worker_wrote_is_still_aligned()
    {
        var harness = await HarnessAsync();
        byte[] image = TinyModels.LlavaImage(), mask = Mask(ImageWidth, ImageHeight, new SKRectI(16, 12, 32, 28));
        await UploadAsync(harness.Blobs, "old/scene.png", image);
        await UploadAsync(harness.Blobs, "old/mask.png", mask);
        await UploadSuiteAsync(harness.Blobs, "old", Suite(["glimpse"],
            Case("with-geometry", "scene.png", Question, null, "mask.png"), Case("without-geometry", "scene.png", Question, null, "mask.png")));
        var handler = Handler(harness);
        await handler.TickAsync(FirstSlot, CancellationToken.None);
        string runId = AuditLayout.RunId("old", FirstSlot);
        await RunJobsAsync(harness, runId);

        // Rewrite both jobs' results as a worker before image-token layouts wrote them: result.json 1.0 with the map as
        // {height, width, values} over the one grid, and (for the first job only) geometry.json 1.0 beside it.
        var run = await ReadAsync<AuditRunRecord>(harness.Blobs, AuditLayout.RunBlob(runId));
        var results = harness.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer);
        ImageTokenMap? written = null;
        foreach (var job in run.Jobs)
        {
            string resultName = BlobLayout.ResultBlobs(job.JobId!).ResultJson;
            var current = ResultJson.Deserialize((await harness.ResultBlobAsync(resultName))!.ToString());
            written = current.ImageMap;
            var grid = Assert.Single(current.ImageMap.Layout.Grids);
            var old = JsonNode.Parse(ResultJson.Serialize(current))!.AsObject();
            old["schema_version"] = "1.0";
            foreach (string field in new[] { "image_layout", "image_tokens" }) old.Remove(field);
            old["image_map"] = new JsonObject
            {
                ["height"] = grid.Rows, ["width"] = grid.Columns,
                ["values"] = new JsonArray(current.ImageMap.GridValues(0).Select(v => (JsonNode)v).ToArray()),
            };
            old["per_token_maps"] = null;
            await results.GetBlobClient(resultName).UploadAsync(BinaryData.FromString(old.ToJsonString()), overwrite: true);
            if (job.CaseId != "with-geometry") continue;

            var g = grid.Geometry;
            string geometry = $$"""
                {
                  "schema_version": "1.0",
                  "original": { "width": {{g.Original.Width}}, "height": {{g.Original.Height}} },
                  "canvas": { "width": {{g.Canvas.Width}}, "height": {{g.Canvas.Height}} },
                  "original_on_canvas": { "x": {{g.OriginalOnCanvas.X}}, "y": {{g.OriginalOnCanvas.Y}}, "width": {{g.OriginalOnCanvas.Width}}, "height": {{g.OriginalOnCanvas.Height}} },
                  "resized": { "width": {{g.Resized.Width}}, "height": {{g.Resized.Height}} },
                  "crop_box": { "x": {{g.CropBox.X}}, "y": {{g.CropBox.Y}}, "width": {{g.CropBox.Width}}, "height": {{g.CropBox.Height}} },
                  "token_cell_size": {{grid.CellSize}}
                }
                """;
            AuditSchemas.AssertValid("geometry.schema.json", JsonNode.Parse(geometry));
            await results.GetBlobClient(BlobLayout.GeometryBlob(job.JobId!)).UploadAsync(BinaryData.FromString(geometry), overwrite: true);
        }

        await handler.TickAsync(FirstSlot.AddMinutes(20), CancellationToken.None);
        var summary = await ReadAsync<AuditSummary>(harness.Blobs, AuditLayout.SummaryBlob(runId));
        Assert.Equal(new AuditCounts(2, 2, 2, 0), summary.Counts);
        var aligned = summary.Cases.Single(c => c.CaseId == "with-geometry");
        Assert.NotNull(aligned.Answer);
        AssertMetrics(ExpectedMetrics(written!, mask), aligned);
        var unaligned = summary.Cases.Single(c => c.CaseId == "without-geometry");
        Assert.NotNull(unaligned.Answer);
        Assert.Null(unaligned.Metrics);
        Assert.Contains("no geometry.json", Assert.Single(unaligned.Notes!));
    }

    [Fact]
    public async Task A_malformed_suite_is_reported_in_its_run_and_the_other_suites_still_run()
    {
        var harness = await HarnessAsync();
        var blobs = harness.Blobs;
        await UploadAsync(blobs, "broken/suite.json", "{ \"schema_version\": \"1.0\", \"cases\": [ "u8.ToArray());
        await UploadSuiteAsync(blobs, "magic", Suite(["magic"], Case("a", "a.png", Question)));
        await UploadAsync(blobs, "good/scene.png", TinyModels.LlavaImage());
        var good = Suite(["glimpse"], Case("ok", "scene.png", Question, "red"), Case("no-question", "scene.png", Question));
        ((JsonObject)good["cases"]![1]!).Remove("question");
        await UploadSuiteAsync(blobs, "good", good);
        var handler = Handler(harness);

        var tick = await handler.TickAsync(FirstSlot, CancellationToken.None);
        var starts = tick.Started.ToDictionary(s => s.Suite);
        Assert.Equal(["broken", "good", "magic"], starts.Keys.Order());
        Assert.Equal(AuditStartDecision.InvalidSuite, starts["broken"].Decision);
        Assert.Contains(starts["broken"].Problems, p => p.StartsWith("suite 'broken': suite.json is not valid JSON", StringComparison.Ordinal));
        Assert.Equal(AuditStartDecision.InvalidSuite, starts["magic"].Decision);
        Assert.Contains("suite 'magic': method 'magic' is not known", Assert.Single(starts["magic"].Problems));
        Assert.Equal((AuditStartDecision.Started, 1), (starts["good"].Decision, starts["good"].JobsSubmitted));

        // Invalid suites are summarised at once, with their problems, where reports are read.
        string brokenRun = AuditLayout.RunId("broken", FirstSlot), goodRun = AuditLayout.RunId("good", FirstSlot);
        var aggregated = tick.Aggregated.ToDictionary(a => a.RunId);
        Assert.Equal(AuditAggregateDecision.Summarized, aggregated[brokenRun].Decision);
        Assert.Equal(AuditAggregateDecision.Waiting, aggregated[goodRun].Decision);
        var broken = await ReadAsync<AuditSummary>(blobs, AuditLayout.SummaryBlob(brokenRun));
        AuditSchemas.AssertValid("audit-summary.schema.json", JsonNode.Parse(await ReadTextAsync(blobs, AuditLayout.SummaryBlob(brokenRun))));
        Assert.Equal(AuditRunOutcome.InvalidSuite, broken.Outcome);
        Assert.Equal(starts["broken"].Problems, broken.Problems);
        string brokenReport = await ReadTextAsync(blobs, AuditLayout.ReportBlob(brokenRun));
        AssertSelfContained(brokenReport);
        Assert.Contains("id=\"problems\"", brokenReport);
        Assert.Contains("suite &#39;broken&#39;: suite.json is not valid JSON", brokenReport);

        await RunJobsAsync(harness, goodRun);
        Assert.Equal(AuditAggregateDecision.Summarized, Assert.Single((await handler.TickAsync(FirstSlot, CancellationToken.None)).Aggregated).Decision);
        var summary = await ReadAsync<AuditSummary>(blobs, AuditLayout.SummaryBlob(goodRun));
        Assert.Equal(new AuditCounts(2, 2, 1, 1), summary.Counts);
        var failed = summary.Cases.Single(c => c.Status == JobStatus.Failed);
        Assert.Equal(("no-question", null), (failed.CaseId, failed.JobId));
        Assert.Equal("suite 'good', case 'no-question': question is missing", failed.Reason);
        Assert.Null(summary.ByMethod["glimpse"].Metrics["nss"].Mean);
    }

    [Fact]
    public async Task Jobs_that_never_finish_count_as_failed_once_the_run_times_out()
    {
        var harness = await HarnessAsync();
        await UploadAsync(harness.Blobs, "stuck/scene.png", TinyModels.LlavaImage());
        await UploadSuiteAsync(harness.Blobs, "stuck", Suite(["glimpse"], Case("never-ingested", "scene.png", Question)));

        // Nothing ingests the job; a run timeout of one tick of the clock gives up on it at once.
        var tick = await Handler(harness, new AuditOptions { RunTimeout = TimeSpan.FromTicks(1) }).TickAsync(FirstSlot, CancellationToken.None);

        string runId = AuditLayout.RunId("stuck", FirstSlot);
        Assert.Equal(AuditAggregateDecision.Summarized, Assert.Single(tick.Aggregated).Decision);
        var summary = await ReadAsync<AuditSummary>(harness.Blobs, AuditLayout.SummaryBlob(runId));
        Assert.Equal(new AuditCounts(1, 1, 0, 1), summary.Counts);
        var row = Assert.Single(summary.Cases);
        Assert.NotNull(row.JobId);
        Assert.StartsWith("the job was still not ingested when the run timed out", row.Reason);
    }

    [Fact]
    public async Task Drift_skips_an_earlier_run_whose_summary_is_damaged()
    {
        var harness = await HarnessAsync();
        // No image: every run fails its one case at once and is summarised in the tick that starts it, without the model.
        await UploadSuiteAsync(harness.Blobs, "empty", Suite(["glimpse"], Case("gone", "missing.png", Question)));
        var handler = Handler(harness);
        var slots = Enumerable.Range(0, 3).Select(day => FirstSlot.AddDays(day)).ToList();
        await handler.TickAsync(slots[0], CancellationToken.None);
        await handler.TickAsync(slots[1], CancellationToken.None);
        await UploadAsync(harness.Blobs, AuditLayout.SummaryBlob(AuditLayout.RunId("empty", slots[1])), "{ not json"u8.ToArray());

        var tick = await handler.TickAsync(slots[2], CancellationToken.None);

        string last = AuditLayout.RunId("empty", slots[2]);
        Assert.Equal(new AuditAggregation(last, AuditAggregateDecision.Summarized, 0), Assert.Single(tick.Aggregated));
        var summary = await ReadAsync<AuditSummary>(harness.Blobs, AuditLayout.SummaryBlob(last));
        Assert.Equal(new AuditCounts(1, 1, 0, 1), summary.Counts);
        Assert.Equal(AuditLayout.RunId("empty", slots[0]), summary.Drift!.PreviousRunId);
        Assert.Equal(new AuditDelta(1, 1, 0), summary.Drift.Failed);
        Assert.Empty(summary.Drift.AnswerChanges);
    }

    [Fact]
    public async Task A_suite_uploaded_from_an_eval_dataset_folder_reads_back_with_every_case_and_file()
    {
        var harness = await HarnessAsync();
        string folder = Directory.CreateTempSubdirectory("glimpse-audit-eval-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "masks"));
            await File.WriteAllBytesAsync(Path.Combine(folder, "scene.png"), TinyModels.LlavaImage());
            await File.WriteAllBytesAsync(Path.Combine(folder, "masks", "ball.png"), Mask(ImageWidth, ImageHeight, new SKRectI(8, 8, 24, 24)));
            EvalDataset.WriteIndex(folder, [
                new EvalItem { Id = "ball", Image = "scene.png", Question = Question, Answer = "red", Reference = "masks/ball.png", ReferenceKind = ReferenceKind.Mask },
                new EvalItem { Id = "plain", Image = "scene.png", Question = "is there a ball" },
            ]);
            var store = new AuditStore(harness.Blobs);

            var upload = await AuditSuites.UploadFromEvalFolderAsync(store, "from-eval", folder, TinyModels.Llava, ["glimpse", "rollout"], 4, CancellationToken.None);

            Assert.Equal(["from-eval/masks/ball.png", "from-eval/scene.png", "from-eval/suite.json"], upload.Blobs);
            string json = await ReadTextAsync(harness.Blobs, AuditLayout.SuiteBlob("from-eval"));
            AuditSchemas.AssertValid("audit-suite.schema.json", JsonNode.Parse(json));
            var reading = AuditSuiteReader.Read("from-eval", System.Text.Encoding.UTF8.GetBytes(json));
            var suite = reading.Suite!;
            Assert.Equal((TinyModels.Llava, 4), (suite.Model, suite.MaxNewTokens));
            Assert.Equal(["glimpse", "rollout"], suite.Methods);
            Assert.Equal(["ball", "plain"], suite.Cases.Select(c => c.Id));
            Assert.Equal(("red", "masks/ball.png", ReferenceKind.Mask), (suite.Cases[0].ExpectedAnswer, suite.Cases[0].Reference, suite.Cases[0].ReferenceKind));
            Assert.Equal(TinyModels.LlavaImage(), (await harness.Blobs.GetBlobContainerClient(BlobLayout.AuditsContainer)
                .GetBlobClient("from-eval/scene.png").DownloadContentAsync()).Value.Content.ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>One HTML page that needs nothing else: no script, no stylesheet link, no remote image or font.</summary>
    private static void AssertSelfContained(string html)
    {
        Assert.StartsWith("<!doctype html>", html);
        Assert.EndsWith("</html>\n", html);
        Assert.Contains("<style>", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("src=\"http", html);
        Assert.DoesNotContain("url(http", html);
    }
}

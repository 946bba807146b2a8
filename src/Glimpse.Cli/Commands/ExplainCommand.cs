using System.CommandLine;
using Glimpse.Explain;
using Glimpse.Explain.Rendering;
using Glimpse.Explain.Report;
using Glimpse.Model;
using Glimpse.Model.Processing;
using Spectre.Console;

namespace Glimpse.Cli.Commands;

/// <summary>
/// <c>glimpse explain</c>: answer a question about an image, explain the answer, and write result.json, heatmap.png,
/// overlay.png and report.html.
/// </summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var image = CommonOptions.Image();
        var prompt = CommonOptions.Prompt();
        var method = new Option<string>("--method") { Description = $"One of: {string.Join(", ", Explainers.Methods)}.", DefaultValueFactory = _ => "glimpse" };
        var output = new Option<string>("--out", "-o") { Description = "Output folder.", DefaultValueFactory = _ => "glimpse-out" };
        var perToken = new Option<bool>("--per-token-maps") { Description = "Also keep one map per answer token (switchable in the report)." };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Longest answer, in tokens.", DefaultValueFactory = _ => 32 };
        var normalization = new Option<string>("--normalize") { Description = "Map normalisation for images: minmax, percentile (1–99), rank.", DefaultValueFactory = _ => "minmax" };
        var lambda = new Option<double>("--lambda") { Description = "GLIMPSE λ (head-weight temperature).", DefaultValueFactory = _ => 0.5 };
        var depthLambda = new Option<double>("--depth-lambda") { Description = "GLIMPSE λ_d (depth prior slope).", DefaultValueFactory = _ => 0.2 };
        var noDepthPrior = new Option<bool>("--no-depth-prior") { Description = "Turn the depth prior off." };
        var meanHeads = new Option<bool>("--mean-heads") { Description = "Average heads instead of adaptive head weights." };
        var noRowNorm = new Option<bool>("--no-row-norm") { Description = "Do not row-normalise the fused layer relevance." };
        var layerFraction = new Option<double>("--layer-fraction") { Description = "Propagate only the deepest ceil(f·L) layers.", DefaultValueFactory = _ => 1.0 };
        var tokenWeights = new Option<string>("--token-weights") { Description = "full, confidence, alignment or uniform.", DefaultValueFactory = _ => "full" };
        var target = new Option<string>("--target") { Description = "logit or log-prob.", DefaultValueFactory = _ => "logit" };
        var gradRegion = new Option<string>("--grad-region") { Description = "causal or full.", DefaultValueFactory = _ => "causal" };
        var keepSelf = new Option<bool>("--keep-self") { Description = "Keep R_t[q_t] (the identity path) instead of zeroing it." };
        var chunk = new Option<int>("--chunk-size") { Description = "Answer tokens per batched backward (0: from --memory-budget-mib).", DefaultValueFactory = _ => 0 };
        var budget = new Option<int>("--memory-budget-mib") { Description = "Memory a batched chunk may use.", DefaultValueFactory = _ => 2048 };
        var precision = CommonOptions.Precision();
        var device = CommonOptions.Device();
        var command = new Command("explain", "Answer a question about an image and explain what the answer rests on.")
        {
            model, image, prompt, method, output, perToken, maxNewTokens, normalization, lambda, depthLambda, noDepthPrior, meanHeads,
            noRowNorm, layerFraction, tokenWeights, target, gradRegion, keepSelf, chunk, budget, precision, device,
        };
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var options = new GlimpseOptions
            {
                Lambda = parse.GetValue(lambda),
                DepthLambda = parse.GetValue(depthLambda),
                DepthPrior = !parse.GetValue(noDepthPrior),
                HeadWeighting = parse.GetValue(meanHeads) ? HeadWeighting.Mean : HeadWeighting.Adaptive,
                RowNormalize = !parse.GetValue(noRowNorm),
                LayerFraction = parse.GetValue(layerFraction),
                TokenWeights = Parse<TokenWeighting>(parse.GetValue(tokenWeights)!, "--token-weights"),
                Target = parse.GetValue(target) switch
                {
                    "logit" => GradientTarget.Logit,
                    "log-prob" => GradientTarget.LogProbability,
                    var other => throw new UserInputException($"--target '{other}' is not logit or log-prob."),
                },
                GradientRegion = Parse<GradientRegion>(parse.GetValue(gradRegion)!, "--grad-region"),
                ExcludeSelf = !parse.GetValue(keepSelf),
                ChunkSize = parse.GetValue(chunk),
                MemoryBudgetBytes = parse.GetValue(budget) * 1048576L,
                PerTokenMaps = parse.GetValue(perToken),
            };
            options.Validate();
            var explainer = Explainers.Create(parse.GetValue(method)!, options);
            var mode = Parse<MapNormalization>(parse.GetValue(normalization)!, "--normalize");
            var (chosenPrecision, load) = CommonOptions.PrecisionOptions(parse, precision, device);
            var request = new ExplainRequest(RgbImage.Load(CommonOptions.Require(parse.GetValue(image), "--image")), CommonOptions.Require(parse.GetValue(prompt), "--prompt"), explainer)
            {
                MaxNewTokens = parse.GetValue(maxNewTokens),
                PerTokenMaps = parse.GetValue(perToken),
                Precision = chosenPrecision,
            };
            var job = new ExplainJob(CommonOptions.ResolveModel(parse.GetValue(model)), request, mode, load);
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            var result = Run(job, outDir);
            AnsiConsole.MarkupLine($"[bold]Answer:[/] {Markup.Escape(result.Answer)}");
            AnsiConsole.MarkupLine($"[bold]Image tokens:[/] {Markup.Escape(ImageTokenLayoutText.Describe(result.ImageMap.Layout))}");
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(outDir)}/report.html (and result.json, heatmap.png, overlay.png)");
            return 0;
        }));
        return command;
    }

    internal sealed record ExplainJob(string ModelDir, ExplainRequest Request, MapNormalization Normalization, ModelLoadOptions Load);

    /// <summary>Loads, answers, explains and writes, with a progress display.</summary>
    private static ExplanationResult Run(ExplainJob job, string outDir)
    {
        ExplanationResult? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var load = ctx.AddTask("load model");
                var answer = ctx.AddTask("generate answer");
                var explain = ctx.AddTask($"explain ({job.Request.Explainer.Method})");
                var write = ctx.AddTask("write report");
                using var runtime = VisionLanguageRuntime.Open(job.ModelDir, job.Load);
                load.Value = 100;
                var outcome = ExplainRun.Execute(runtime, job.Request, (step, fraction) =>
                {
                    if (step == ExplainStep.Explain) answer.Value = 100;
                    (step == ExplainStep.Generate ? answer : explain).Value = 100 * fraction;
                });
                answer.Value = explain.Value = 100;
                ReportWriter.Write(outDir, outcome.Result, outcome.Image, job.Normalization);
                write.Value = 100;
                result = outcome.Result;
            });
        return result!;
    }

    private static T Parse<T>(string value, string option) where T : struct, Enum =>
        Enum.TryParse<T>(value.Replace("-", ""), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : throw new UserInputException($"{option} '{value}' is not one of: {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
}

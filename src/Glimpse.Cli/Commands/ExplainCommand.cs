using System.CommandLine;
using System.Diagnostics;
using Glimpse.Explain;
using Glimpse.Explain.Rendering;
using Glimpse.Explain.Report;
using Glimpse.Model;
using Glimpse.Model.Generation;
using Glimpse.Model.Processing;
using Spectre.Console;
using TorchSharp;

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
        var dtype = CommonOptions.DType();
        var device = CommonOptions.Device();
        var command = new Command("explain", "Answer a question about an image and explain what the answer rests on.")
        {
            model, image, prompt, method, output, perToken, maxNewTokens, normalization, lambda, depthLambda, noDepthPrior, meanHeads,
            noRowNorm, layerFraction, tokenWeights, target, gradRegion, keepSelf, chunk, budget, dtype, device,
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
            var job = new ExplainJob(
                CommonOptions.ResolveModel(parse.GetValue(model)),
                CommonOptions.Require(parse.GetValue(image), "--image"),
                CommonOptions.Require(parse.GetValue(prompt), "--prompt"),
                explainer, parse.GetValue(perToken), parse.GetValue(maxNewTokens), mode,
                CommonOptions.LoadOptions(parse, dtype, device));
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            var result = Run(job, outDir);
            AnsiConsole.MarkupLine($"[bold]Answer:[/] {Markup.Escape(result.Answer)}");
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(outDir)}/report.html (and result.json, heatmap.png, overlay.png)");
            return 0;
        }));
        return command;
    }

    internal sealed record ExplainJob(string ModelDir, string ImagePath, string Question, IExplainer Explainer, bool PerTokenMaps,
        int MaxNewTokens, MapNormalization Normalization, ModelLoadOptions Load);

    /// <summary>Runs the steps with a progress display; the steps themselves are <see cref="Explanations"/>'s.</summary>
    private static ExplanationResult Run(ExplainJob job, string outDir)
    {
        ExplanationResult? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var load = ctx.AddTask("load model");
                var answer = ctx.AddTask("generate answer");
                var explain = ctx.AddTask($"explain ({job.Explainer.Method})");
                var write = ctx.AddTask("write report");
                result = Explanations.Run(job, outDir, step =>
                {
                    var (task, fraction) = step.Step switch
                    {
                        ExplainStep.Load => (load, step.Fraction),
                        ExplainStep.Generate => (answer, step.Fraction),
                        ExplainStep.Explain => (explain, step.Fraction),
                        _ => (write, step.Fraction),
                    };
                    foreach (var earlier in new[] { load, answer, explain, write }.TakeWhile(t => t != task)) earlier.Value = 100;
                    task.Value = 100 * fraction;
                });
                foreach (var t in new[] { load, answer, explain, write }) t.Value = 100;
            });
        return result!;
    }

    private static T Parse<T>(string value, string option) where T : struct, Enum =>
        Enum.TryParse<T>(value.Replace("-", ""), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : throw new UserInputException($"{option} '{value}' is not one of: {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
}

internal enum ExplainStep { Load, Generate, Explain, Write }

internal readonly record struct ExplainProgress(ExplainStep Step, double Fraction);

/// <summary>The explain pipeline of the command line: load, answer, explain, write.</summary>
internal static class Explanations
{
    public static ExplanationResult Run(ExplainCommand.ExplainJob job, string outDir, Action<ExplainProgress> report)
    {
        var total = Stopwatch.StartNew();
        var picture = RgbImage.Load(job.ImagePath);
        report(new(ExplainStep.Load, 0));
        using var runtime = VisionLanguageRuntime.Open(job.ModelDir, job.Load);
        using var prompt = runtime.Prepare(picture, job.Question);

        report(new(ExplainStep.Generate, 0));
        using var features = EncodeOnce(runtime, prompt);
        using var answer = runtime.Answer(prompt, new GenerationOptions { MaxNewTokens = job.MaxNewTokens, ImageFeatures = features });
        double generateSeconds = (answer.Generation.PrefillTime + answer.Generation.DecodeTime).TotalSeconds;

        report(new(ExplainStep.Explain, 0));
        long baseline = ProcessMemory.ResetPeak();
        var subject = ExplanationSubject.From(runtime.Model, prompt, answer, features);
        var relevance = job.Explainer.Explain(subject, new InlineProgress<double>(f => report(new(ExplainStep.Explain, f))));
        long peak = Math.Max(0, ProcessMemory.Peak() - baseline);

        report(new(ExplainStep.Write, 0));
        var timings = new ExplanationTimings(generateSeconds, relevance.ForwardSeconds, relevance.GradientSeconds, total.Elapsed.TotalSeconds);
        var result = ExplanationBuilder.Build(runtime, prompt, answer, job.Explainer, relevance, timings, peak, job.PerTokenMaps);
        ReportWriter.Write(outDir, result, picture, prompt.Image.Geometry, prompt.Image.TokenCellSize, job.Normalization);
        return result;
    }

    private static torch.Tensor EncodeOnce(VisionLanguageRuntime runtime, PreparedPrompt prompt)
    {
        using var noGrad = torch.no_grad();
        return runtime.Model.EncodeImage(prompt.ModelInput);
    }
}

/// <summary>Reports on the caller's thread, in order (System.Progress posts to the thread pool and may arrive late).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

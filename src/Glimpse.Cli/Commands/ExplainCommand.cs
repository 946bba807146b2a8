using System.CommandLine;
using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Reports;
using Glimpse.Core.Results;
using Glimpse.Explain;
using Glimpse.Model;
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
        var method = new Option<string>("--method") { Description = $"One of: {string.Join(", ", ExplainMethods.Names)}.", DefaultValueFactory = _ => ExplainMethods.Default };
        var output = new Option<string>("--out", "-o") { Description = "Output folder.", DefaultValueFactory = _ => "glimpse-out" };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Longest answer, in tokens.", DefaultValueFactory = _ => 32 };
        var methodOptions = new MethodOptionFlags();
        var device = CommonOptions.Device();
        var command = new Command("explain", "Answer a question about an image and explain what the answer rests on.")
        {
            model, image, prompt, method, output, maxNewTokens, device,
        };
        foreach (var option in methodOptions.All) command.Options.Add(option);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            string methodName = parse.GetValue(method)!;
            var settings = methodOptions.Read(parse, methodName);
            var explainer = Explainers.Create(methodName, settings);
            var request = new ExplainRequest(RgbImage.Load(CommonOptions.Require(parse.GetValue(image), "--image")), CommonOptions.Require(parse.GetValue(prompt), "--prompt"), explainer)
            {
                MaxNewTokens = parse.GetValue(maxNewTokens),
                PerTokenMaps = settings.Glimpse.PerTokenMaps,
                Precision = settings.Precision,
            };
            var job = new ExplainJob(CommonOptions.ResolveModel(parse.GetValue(model)), request, settings.Normalization, CommonOptions.LoadOptions(settings.Precision, parse, device));
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
}

using System.CommandLine;
using Glimpse.Core.Evaluation;
using Glimpse.Core.Methods;
using Glimpse.Explain.Evaluation;
using Glimpse.Model;
using Spectre.Console;

namespace Glimpse.Cli.Commands;

/// <summary>
/// <c>glimpse eval</c>: run every chosen method over a dataset (a folder, or a registered source such as the synthetic
/// set), and write eval.csv, summary.json and eval.html.
/// </summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var data = new Option<string?>("--data", "-d")
        {
            Description = $"A dataset folder (data.jsonl beside its images and reference PNGs), or a registered source ({string.Join(", ", EvalSources.Names.DefaultIfEmpty("none registered"))}).",
        };
        var methods = new Option<string>("--methods")
        {
            Description = $"Comma-separated methods, the first compared with the rest: {string.Join(", ", ExplainMethods.Names)}. " +
                          "A method may carry options of its own, for ablations: 'glimpse,glimpse[token_weights=uniform],glimpse[depth_prior=off,propagation=plain]' (quote it for the shell).",
            DefaultValueFactory = _ => string.Join(",", ExplainMethods.Names),
        };
        var count = new Option<int?>("--n") { Description = "Evaluate only the first N items." };
        var output = new Option<string>("--out", "-o") { Description = "Output folder.", DefaultValueFactory = _ => "eval-out" };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Longest answer, in tokens.", DefaultValueFactory = _ => 32 };
        var steps = new Option<int>("--steps") { Description = "Deletion/insertion steps (curves have steps + 1 points).", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { Description = "Perturbed images scored per forward.", DefaultValueFactory = _ => 8 };
        var blur = new Option<double>("--blur-sigma") { Description = "Insertion's starting blur, σ in image-token cells.", DefaultValueFactory = _ => 1.0 };
        var noFaithfulness = new Option<bool>("--no-faithfulness") { Description = "Skip the deletion and insertion curves (alignment and accuracy only)." };
        var grid = new Option<int>("--grid") { Description = "Side of the comparison grid over the original image (VQA-HAT: 14).", DefaultValueFactory = _ => 14 };
        var examples = new Option<int>("--examples") { Description = "Items shown with their overlays in eval.html.", DefaultValueFactory = _ => 4 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random control, tie-breaking and bootstrap (and of a generated source).", DefaultValueFactory = _ => 0 };
        var methodOptions = new MethodOptionFlags();
        var device = CommonOptions.Device();
        var command = new Command("eval", "Benchmark explanation methods on a dataset: faithfulness (deletion, insertion) and alignment with reference masks or maps.")
        {
            model, data, methods, count, output, maxNewTokens, steps, batch, blur, noFaithfulness, grid, examples, seed, device,
        };
        foreach (var option in methodOptions.All) command.Options.Add(option);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            IReadOnlyList<MethodVariant> variants;
            try
            {
                variants = MethodVariant.ParseList(MethodVariant.SplitList(parse.GetValue(methods)!));
            }
            catch (ArgumentException e)
            {
                throw new UserInputException($"--methods: {e.Message}");
            }
            var settings = methodOptions.Read(parse, [.. variants.Select(v => v.Method)]);
            if (parse.GetValue(count) is < 1) throw new UserInputException("--n must be at least 1.");
            if (parse.GetValue(grid) < 1) throw new UserInputException("--grid must be at least 1.");
            var options = new EvalOptions
            {
                Methods = [.. variants.Select(v => v.Label)],
                Settings = settings,
                MaxNewTokens = parse.GetValue(maxNewTokens),
                Grid = new ComparisonGrid(parse.GetValue(grid), parse.GetValue(grid)),
                Faithfulness = parse.GetValue(noFaithfulness)
                    ? null
                    : new FaithfulnessOptions { Steps = parse.GetValue(steps), BatchSize = parse.GetValue(batch), BlurSigmaCells = parse.GetValue(blur) },
                Examples = parse.GetValue(examples),
                Seed = parse.GetValue(seed),
            };
            options.Validate();
            string modelDir = CommonOptions.ResolveModel(parse.GetValue(model));
            string dataName = CommonOptions.Require(parse.GetValue(data), "--data");
            var load = CommonOptions.LoadOptions(settings.Precision, parse, device);
            // The data is opened (and checked line by line) before the model loads: a bad folder fails in a second.
            var source = EvalSources.Open(dataName, new EvalSourceRequest(parse.GetValue(count), options.Seed, modelDir));
            string outDir = Path.GetFullPath(parse.GetValue(output)!);

            var run = Run(modelDir, load, source, options);
            EvalOutputs.Write(outDir, run);
            PrintSummary(run);
            AnsiConsole.MarkupLine($"[green]Wrote[/] {Markup.Escape(outDir)}/eval.html (and eval.csv, summary.json)");
            return 0;
        }));
        return command;
    }

    private static EvalRun Run(string modelDir, ModelLoadOptions load, IEvalItemSource source, EvalOptions options)
    {
        EvalRun? run = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var loading = ctx.AddTask("load model", maxValue: 1);
                int total = source.Items.Count * options.Methods.Count;
                var evaluating = ctx.AddTask($"{source.Items.Count} items × {options.Methods.Count} methods", maxValue: total);
                using var runtime = VisionLanguageRuntime.Open(modelDir, load);
                loading.Value = 1;
                run = EvalRunner.Run(runtime, source, options, new InlineProgress(p =>
                {
                    evaluating.Value = p.Done;
                    evaluating.Description = Markup.Escape($"item {p.Item + 1}/{p.Items} ({p.ItemId}) · {p.Method}");
                }));
                evaluating.Description = $"{source.Items.Count} items × {options.Methods.Count} methods";
                evaluating.Value = total;
            });
        return run!;
    }

    /// <summary>The headline numbers: per method the means of the metrics the goal rests on.</summary>
    private static void PrintSummary(EvalRun run)
    {
        var summary = EvalSummary.From(run);
        var shown = EvalMetrics.All.Where(m => m.Name is "pointing_game" or "deletion_auc" or "insertion_auc" or "mass_inside" or "nss" or "auc_judd")
            .Where(m => summary.Methods.Any(s => s.Metrics[m.Name].Count > 0)).ToList();
        var table = new Table().Border(TableBorder.Rounded).AddColumn("method");
        foreach (var m in shown) table.AddColumn(new TableColumn($"{m.Label} {(m.HigherIsBetter ? "↑" : "↓")}").RightAligned());
        foreach (var method in summary.Methods)
            table.AddRow([Markup.Escape(method.Method), .. shown.Select(m => Markup.Escape(method.Metrics[m.Name].Describe()))]);
        if (summary.RandomControl is { } control)
            table.AddRow(["random order", .. shown.Select(m => control.Metrics.TryGetValue("random_" + m.Name, out var e) ? Markup.Escape(e.Describe()) : "")]);
        AnsiConsole.Write(table);
        if (summary.Accuracy is { } a)
            AnsiConsole.MarkupLine($"[bold]Accuracy:[/] {a.Mean:P1} of {a.Count} items with an expected answer");
    }

    /// <summary>Reports on the runner's thread, in order (System.Progress posts to the thread pool and may arrive late).</summary>
    private sealed class InlineProgress(Action<EvalProgress> report) : IProgress<EvalProgress>
    {
        public void Report(EvalProgress value) => report(value);
    }
}

using System.CommandLine;
using System.Diagnostics;
using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Results;
using Glimpse.Explain;
using Glimpse.Model;
using Glimpse.Model.Architectures;
using Glimpse.Model.Generation;
using Glimpse.Model.Processing;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Cli.Commands;

/// <summary>
/// <c>glimpse bench explain</c>: the cost of GLIMPSE on a random-weight model of one family's layout (LLaVA by default,
/// <c>--family</c> as for <c>bench runtime</c>) — batched exact mode against
/// a per-token backward loop and against the fast mode, and against generating the answer — over sequence lengths N and
/// answer lengths T, with peak memory and the machine's measured matmul rate.
/// </summary>
internal static class ExplainBench
{
    public static Command Create()
    {
        var shape = new SyntheticShapeOptions(layers: 4, hidden: 256, heads: 4, imageSide: 16);
        var lengths = new Option<string>("--lengths") { Description = "Sequence lengths N (prompt + answer).", DefaultValueFactory = _ => "600,1200,2400" };
        var answers = new Option<string>("--tokens") { Description = "Answer lengths T.", DefaultValueFactory = _ => "8,32,64" };
        var loopMax = new Option<int>("--loop-max") { Description = "Largest T for which the per-token loop is timed.", DefaultValueFactory = _ => 64 };
        var budget = new Option<int>("--budget-mib") { Description = "Memory budget of a batched chunk.", DefaultValueFactory = _ => 2048 };
        var family = new Option<string>("--family")
        {
            Description = "Model layout: " + string.Join(", ", SyntheticFamilies.All.Select(f => f.Name)) + " (see bench runtime); " +
                          "it sets the vision tower and the image-token count, and N must leave room for them.",
            DefaultValueFactory = _ => "llava",
        };
        var command = new Command("explain", "GLIMPSE exact (batched) vs a per-token loop vs fast mode vs generation, over N and T.")
        {
            lengths, answers, loopMax, budget, family,
        };
        foreach (var option in shape.All) command.Options.Add(option);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            SyntheticFamily synthetic;
            try
            {
                synthetic = SyntheticFamilies.For(parse.GetValue(family) ?? "llava");
            }
            catch (ArgumentException e)
            {
                throw new UserInputException(e.Message);
            }
            Run(synthetic, shape.Read(parse, visionLayers: 2, visionHidden: 128), Ints(parse.GetValue(lengths)!), Ints(parse.GetValue(answers)!), parse.GetValue(loopMax), parse.GetValue(budget) * 1048576L);
            return 0;
        }));
        return command;
    }

    private static int[] Ints(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(x => int.TryParse(x, out int v) && v > 0 ? v : throw new UserInputException($"'{x}' is not a positive integer")).ToArray();

    private static void Run(SyntheticFamily family, SyntheticShape shape, int[] lengths, int[] answerLengths, int loopMax, long budget)
    {
        double matmulRate = MatmulGflops();
        using var model = family.Create(shape);
        using var synthetic = family.RandomImage(shape);
        var image = synthetic.Input;
        int imageTokens = synthetic.ImageTokens;
        // GLIMPSE's cost depends on how many image tokens there are, not on where they lie: one row of 1-pixel cells.
        var row = new PixelSize(imageTokens, 1);
        var layout = ImageTokenLayout.SingleGrid(1, imageTokens, 1, new ImageGeometry(row, row, new PixelRect(0, 0, imageTokens, 1)));
        using var features = Features(model, image);
        AnsiConsole.MarkupLine($"[bold]glimpse bench explain[/] ({family.Name}): decoder {shape.Layers} layers, hidden {shape.Hidden}, {shape.Heads} heads, vocab {shape.Vocab}; " +
                               $"{imageTokens} image tokens; {torch.get_num_threads()} threads; matmul {matmulRate:F1} GFLOP/s (float32, 1024³)");

        var table = new Table().Border(TableBorder.Rounded);
        foreach (var c in new[] { "N", "T", "chunk", "batched exact", "per-token loop", "loop / batched", "fast", "exact / fast",
                     "generate T", "explain / generate", "gradient GFLOP/s (share)", "peak RSS MiB" })
            table.AddColumn(new TableColumn(c).RightAligned());

        var random = new Random(7);
        bool warm = false;
        foreach (int n in lengths)
        foreach (int t in answerLengths)
        {
            int promptLength = n - t;
            if (promptLength < imageTokens + 2) { AnsiConsole.MarkupLine($"[yellow]skip N={n}, T={t}: prompt shorter than the image[/]"); continue; }
            // Text ids stay below the special ids every layout keeps at the top of the vocabulary.
            long[] ids = [1, .. Enumerable.Repeat(model.Config.ImageTokenId, imageTokens),
                .. Enumerable.Range(0, n - imageTokens - 1).Select(_ => (long)random.Next(3, shape.Vocab - 8))];
            var subject = new ExplanationSubject
            {
                Model = model, SequenceIds = ids, Image = image, ImageFeatures = features,
                VisualPositions = Enumerable.Range(1, imageTokens).Select(p => (long)p).ToArray(),
                PromptPositions = Enumerable.Range(imageTokens + 1, promptLength - imageTokens - 1).Select(p => (long)p).ToArray(),
                QueryPositions = Enumerable.Range(promptLength - 1, t).Select(p => (long)p).ToArray(),
                AnswerIds = ids[promptLength..],
                ImageTokens = layout,
            };
            var options = new GlimpseOptions { MemoryBudgetBytes = budget };
            if (!warm)
            {
                // The first runs pay for fresh allocations (page faults on large new buffers) and kernel selection.
                foreach (var mode in new[] { SweepMode.Batched, SweepMode.PerToken, SweepMode.Summed })
                    new GlimpseExplainer(options with { Fast = mode == SweepMode.Summed }, mode).Explain(subject);
                warm = true;
            }

            ProcessMemory.ResetPeak();
            var batched = Time(() => new GlimpseExplainer(options, SweepMode.Batched).Explain(subject), out var batchedResult);
            long peak = ProcessMemory.Peak();
            TimeSpan? loop = t <= loopMax ? Time(() => new GlimpseExplainer(options, SweepMode.PerToken).Explain(subject), out _) : null;
            var fast = Time(() => new GlimpseExplainer(options with { Fast = true }).Explain(subject), out _);
            var generate = Time(() =>
            {
                using var g = AnswerGenerator.Generate(model, ids[..promptLength], image,
                    new GenerationOptions { MaxNewTokens = t, StopAtEos = false, ImageFeatures = features });
                return g.NewTokens.Length;
            }, out _);

            // Back-propagated rows × (≈ 2 × one row's decoder forward FLOPs); the forward of each batched row is not counted.
            double rowForward = 2.0 * DecoderParameters(shape) * n + 4.0 * shape.Layers * (double)n * n * shape.Hidden;
            double gradientRate = t * 2 * rowForward / batchedResult.GradientSeconds / 1e9;
            string chunk = batchedResult.Options["gradients"].Split(' ')[1];
            AnsiConsole.WriteLine($"N={n} T={t}: batched {S(batched)}, loop {(loop is { } lp ? S(lp) : "-")}, fast {S(fast)}, generate {S(generate)}, peak {peak / 1048576.0:F0} MiB");
            table.AddRow(new Text($"{n}"), new Text($"{t}"), new Text(chunk), new Text(S(batched)), new Text(loop is { } l ? S(l) : "—"),
                new Text(loop is { } l2 ? $"{l2 / batched:F2}×" : "—"), new Text(S(fast)), new Text($"{batched / fast:F1}×"),
                new Text(S(generate)), new Text($"{batched / generate:F1}×"),
                new Text($"{gradientRate:F1} ({gradientRate / matmulRate:P0})"), new Text(peak > 0 ? $"{peak / 1048576.0:F0}" : "n/a"));
        }
        AnsiConsole.Write(table);
    }

    private static long DecoderParameters(SyntheticShape s) =>
        (long)s.Layers * (4L * s.Hidden * s.Hidden + 3L * s.Hidden * s.Intermediate);

    private static Tensor Features(VisionLanguageModel model, ImageInput image)
    {
        using var noGrad = torch.no_grad();
        return model.EncodeImage(image);
    }

    private static TimeSpan Time<T>(Func<T> action, out T result)
    {
        var clock = Stopwatch.StartNew();
        result = action();
        return clock.Elapsed;
    }

    private static string S(TimeSpan t) => $"{t.TotalSeconds:F2} s";

    /// <summary>The machine's float32 matrix-product rate, best of a few 1024³ products.</summary>
    private static double MatmulGflops()
    {
        using var a = torch.randn(1024, 1024);
        using var b = torch.randn(1024, 1024);
        a.matmul(b).Dispose();
        double best = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * 1024 * 1024 * 1024 / best / 1e9;
    }
}

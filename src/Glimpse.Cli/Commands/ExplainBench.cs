using System.CommandLine;
using System.Diagnostics;
using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Explain;
using Glimpse.Model;
using Glimpse.Model.Architectures;
using Glimpse.Model.Generation;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Cli.Commands;

/// <summary>
/// <c>glimpse bench explain</c>: the cost of GLIMPSE on a random-weight model of one family's layout (LLaVA by default,
/// <c>--family</c> as for <c>bench runtime</c>) over sequence lengths N and answer lengths T. The exact per-token loop
/// (what <c>glimpse explain</c> runs on the CPU) is set against the bare loop of its backward passes — the same forward
/// and the same T backwards with nothing done to the gradients — in time, in the gradient phase alone and in peak
/// memory; the gradient phase's rate is set against the machine's measured matmul rate. The batched exact mode, the
/// fast mode and generating the answer are measured beside it.
/// </summary>
internal static class ExplainBench
{
    private static readonly string[] AllModes = ["batched", "loop", "fast", "generate"];

    public static Command Create()
    {
        var shape = new SyntheticShapeOptions(layers: 4, hidden: 256, heads: 4, imageSide: 16, visionLayers: 2, visionHidden: 128);
        var lengths = new Option<string>("--lengths") { Description = "Sequence lengths N (prompt + answer).", DefaultValueFactory = _ => "600,1200,2400" };
        var answers = new Option<string>("--tokens") { Description = "Answer lengths T.", DefaultValueFactory = _ => "8,32,64" };
        var loopMax = new Option<int>("--loop-max") { Description = "Largest T for which the per-token loop and its bare baseline are timed.", DefaultValueFactory = _ => 64 };
        var budget = new Option<int>("--budget-mib") { Description = "Memory budget of a batched chunk.", DefaultValueFactory = _ => 2048 };
        var modes = new Option<string>("--modes")
        {
            Description = "What to measure, of: batched (exact, batched), loop (exact per-token loop and the bare loop of its backwards), " +
                          "fast, generate.",
            DefaultValueFactory = _ => string.Join(',', AllModes),
        };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions, interleaved (medians reported).", DefaultValueFactory = _ => 1 };
        var command = new Command("explain", "GLIMPSE exact (per-token loop and batched) vs the bare backward loop vs fast mode vs generation, over N and T.")
        {
            lengths, answers, loopMax, budget, modes, repeats,
        };
        foreach (var option in shape.All) command.Options.Add(option);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var synthetic = shape.Family(parse);
            var selected = parse.GetValue(modes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
            if (selected.Count == 0 || !selected.IsSubsetOf(AllModes))
                throw new UserInputException($"--modes must list some of {string.Join(", ", AllModes)}.");
            var plan = new Plan(Ints(parse.GetValue(lengths)!), Ints(parse.GetValue(answers)!), parse.GetValue(loopMax), parse.GetValue(budget) * 1048576L,
                selected, Math.Max(1, parse.GetValue(repeats)));
            Run(synthetic, shape.Read(parse), plan);
            return 0;
        }));
        return command;
    }

    private sealed record Plan(int[] Lengths, int[] AnswerLengths, int LoopMax, long Budget, HashSet<string> Modes, int Repeats);

    /// <summary>One timed run: wall time, the process's CPU time (user + system, and system alone: page faults show
    /// there), the explainer's own phases, and the process's peak resident memory.</summary>
    private sealed record Measured(double Seconds, double CpuSeconds, double SystemSeconds, double GradientSeconds, double ReductionSeconds,
        long PeakBytes, string Gradients);

    private static int[] Ints(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(x => int.TryParse(x, out int v) && v > 0 ? v : throw new UserInputException($"'{x}' is not a positive integer")).ToArray();

    private static void Run(SyntheticFamily family, SyntheticShape shape, Plan plan)
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
        long parameters = model.parameters().Sum(p => p.numel());
        AnsiConsole.MarkupLine($"[bold]glimpse bench explain[/] ({family.Name}, {parameters / 1e6:F0} M parameters): decoder {shape.Layers} layers, " +
                               $"hidden {shape.Hidden}, MLP {shape.Intermediate}, {shape.Heads} heads, vocab {shape.Vocab}; vision {shape.VisionLayers} × {shape.VisionHidden}; " +
                               $"{imageTokens} image tokens; {torch.get_num_threads()} threads; matmul {matmulRate:F1} GFLOP/s (float32, 1024³); " +
                               $"median of {plan.Repeats}");

        var costs = new Table().Border(TableBorder.Rounded).Title("exact GLIMPSE against its alternatives");
        foreach (var c in new[] { "N", "T", "chunk", "batched exact", "peak RSS MiB", "fast", "batched / fast", "generate T", "batched / generate" })
            costs.AddColumn(new TableColumn(c).RightAligned());
        var gradients = new Table().Border(TableBorder.Rounded).Title("exact per-token loop against the bare loop of its backwards");
        foreach (var c in new[] { "N", "T", "bare loop", "exact loop", "exact / bare", "gradient phase bare / exact", "of which reduction",
                     "gradient GFLOP/s bare / exact (share of matmul)", "CPU s bare / exact (system)", "peak RSS MiB bare / exact", "exact / bare RSS" })
            gradients.AddColumn(new TableColumn(c).RightAligned());

        var random = new Random(7);
        foreach (int n in plan.Lengths)
        foreach (int t in plan.AnswerLengths)
        {
            int promptLength = n - t;
            if (promptLength < imageTokens + 2) { AnsiConsole.MarkupLine($"[yellow]skip N={n}, T={t}: prompt shorter than the image[/]"); continue; }
            // Text ids stay below the special ids every layout keeps at the top of the vocabulary.
            long[] ids = [1, .. Enumerable.Repeat(model.Config.ImageTokenId, imageTokens),
                .. Enumerable.Range(0, n - imageTokens - 1).Select(_ => (long)random.Next(3, shape.Vocab - 8))];
            var subject = Subject(model, ids, promptLength, t, image, features, layout);
            var options = new GlimpseOptions { MemoryBudgetBytes = plan.Budget };
            bool loop = plan.Modes.Contains("loop") && t <= plan.LoopMax;

            // The first runs pay for fresh allocations and kernel selection: warm every measured path on a 2-token answer.
            var warmSubject = Subject(model, ids[..(promptLength + 2)], promptLength, 2, image, features, layout);
            if (plan.Modes.Contains("batched")) new GlimpseExplainer(options, SweepMode.Batched).Explain(warmSubject);
            if (loop)
            {
                Bare(warmSubject);
                new GlimpseExplainer(options, SweepMode.PerToken).Explain(warmSubject);
            }
            if (plan.Modes.Contains("fast")) new GlimpseExplainer(options with { Fast = true }).Explain(warmSubject);

            var batched = new List<Measured>();
            var exactLoop = new List<Measured>();
            var bareLoop = new List<Measured>();
            var fast = new List<double>();
            var generate = new List<double>();
            for (int r = 0; r < plan.Repeats; r++)
            {
                if (plan.Modes.Contains("batched")) batched.Add(Explain(new GlimpseExplainer(options, SweepMode.Batched), subject));
                if (loop)
                {
                    // Alternate the order, so that neither side always runs on what the other left behind.
                    if (r % 2 == 0) bareLoop.Add(Bare(subject));
                    exactLoop.Add(Explain(new GlimpseExplainer(options, SweepMode.PerToken), subject));
                    if (r % 2 == 1) bareLoop.Add(Bare(subject));
                }
                if (plan.Modes.Contains("fast")) fast.Add(Explain(new GlimpseExplainer(options with { Fast = true }), subject).Seconds);
                if (plan.Modes.Contains("generate"))
                {
                    var clock = Stopwatch.StartNew();
                    using var g = AnswerGenerator.Generate(model, ids[..promptLength], image,
                        new GenerationOptions { MaxNewTokens = t, StopAtEos = false, ImageFeatures = features });
                    generate.Add(clock.Elapsed.TotalSeconds);
                }
            }

            // Back-propagated rows × (≈ 2 × one row's decoder forward FLOPs); the forwards are not counted.
            double rowForward = 2.0 * DecoderParameters(shape) * n + 4.0 * shape.Layers * (double)n * n * shape.Hidden;
            double Rate(double gradientSeconds) => t * 2 * rowForward / gradientSeconds / 1e9;
            string RateCell(double gradientSeconds) => $"{Rate(gradientSeconds):F1} ({Rate(gradientSeconds) / matmulRate:P0})";

            if (batched.Count + fast.Count + generate.Count > 0)
            {
                double? b = batched.Count > 0 ? Median(batched.Select(m => m.Seconds)) : null;
                double? f = fast.Count > 0 ? Median(fast) : null;
                double? g = generate.Count > 0 ? Median(generate) : null;
                costs.AddRow(Cell($"{n}"), Cell($"{t}"), Cell(batched.Count > 0 ? batched[0].Gradients.Split(' ')[1] : "—"),
                    Cell(b is { } b1 ? S(b1) : "—"), Cell(batched.Count > 0 ? Mib(Median(batched.Select(m => (double)m.PeakBytes))) : "—"),
                    Cell(f is { } f1 ? S(f1) : "—"), Cell(b is { } b2 && f is { } f2 ? $"{b2 / f2:F1}×" : "—"),
                    Cell(g is { } g1 ? S(g1) : "—"), Cell(b is { } b3 && g is { } g2 ? $"{b3 / g2:F1}×" : "—"));
            }
            if (loop)
            {
                double bare = Median(bareLoop.Select(m => m.Seconds)), exact = Median(exactLoop.Select(m => m.Seconds));
                double bareGradient = Median(bareLoop.Select(m => m.GradientSeconds)), exactGradient = Median(exactLoop.Select(m => m.GradientSeconds));
                double barePeak = Median(bareLoop.Select(m => (double)m.PeakBytes)), exactPeak = Median(exactLoop.Select(m => (double)m.PeakBytes));
                AnsiConsole.WriteLine($"N={n} T={t}: bare loop {string.Join(" ", bareLoop.Select(m => S(m.Seconds)))}, exact loop " +
                                      $"{string.Join(" ", exactLoop.Select(m => S(m.Seconds)))}; peak MiB bare {string.Join(" ", bareLoop.Select(m => Mib(m.PeakBytes)))}, " +
                                      $"exact {string.Join(" ", exactLoop.Select(m => Mib(m.PeakBytes)))}");
                gradients.AddRow(Cell($"{n}"), Cell($"{t}"), Cell(S(bare)), Cell(S(exact)), Cell($"{exact / bare:F2}×"),
                    Cell($"{S(bareGradient)} / {S(exactGradient)} ({exactGradient / bareGradient:F2}×)"),
                    Cell(S(Median(exactLoop.Select(m => m.ReductionSeconds)))),
                    Cell($"{RateCell(bareGradient)} / {RateCell(exactGradient)}"),
                    Cell($"{Median(bareLoop.Select(m => m.CpuSeconds)):F1} ({Median(bareLoop.Select(m => m.SystemSeconds)):F1}) / " +
                         $"{Median(exactLoop.Select(m => m.CpuSeconds)):F1} ({Median(exactLoop.Select(m => m.SystemSeconds)):F1})"),
                    Cell(barePeak > 0 ? $"{Mib(barePeak)} / {Mib(exactPeak)}" : "n/a"), Cell(barePeak > 0 ? $"{exactPeak / barePeak:F2}×" : "n/a"));
            }
        }
        if (costs.Rows.Count > 0) AnsiConsole.Write(costs);
        if (gradients.Rows.Count > 0) AnsiConsole.Write(gradients);
        AnsiConsole.MarkupLine("Peak RSS: the process's resident peak during that run alone (freed memory is handed back to the system " +
                               "before each run, so a run does not start from what the one before left).");
    }

    private static ExplanationSubject Subject(VisionLanguageModel model, long[] ids, int promptLength, int answerLength, ImageInput image,
        Tensor features, ImageTokenLayout layout)
    {
        int imageTokens = layout.TokenCount;
        return new ExplanationSubject
        {
            Model = model, SequenceIds = ids, Image = image, ImageFeatures = features,
            VisualPositions = Enumerable.Range(1, imageTokens).Select(p => (long)p).ToArray(),
            PromptPositions = Enumerable.Range(imageTokens + 1, promptLength - imageTokens - 1).Select(p => (long)p).ToArray(),
            QueryPositions = Enumerable.Range(promptLength - 1, answerLength).Select(p => (long)p).ToArray(),
            AnswerIds = ids[promptLength..],
            ImageTokens = layout,
        };
    }

    private static Measured Explain(IExplainer explainer, ExplanationSubject subject) => Measure(() =>
    {
        var r = explainer.Explain(subject);
        return (r.GradientSeconds, r.ReductionSeconds, r.Options.TryGetValue("gradients", out var how) ? how : "");
    });

    /// <summary>The same teacher-forced forward and per-token backwards as the exact loop, with the gradients left alone.</summary>
    private static Measured Bare(ExplanationSubject subject) => Measure(() =>
    {
        var outcome = GradientSweep.Run(subject, new IgnoredGradients(), SweepMode.PerToken, subject.AnswerLength, GradientTarget.Logit,
            progress: null, CancellationToken.None);
        return (outcome.GradientSeconds, outcome.ReductionSeconds, outcome.Gradients);
    });

    private static Measured Measure(Func<(double Gradient, double Reduction, string How)> run)
    {
        ProcessMemory.ReturnFreedMemory();
        ProcessMemory.ResetPeak();
        using var process = Process.GetCurrentProcess();
        var (cpu, system) = (process.TotalProcessorTime, process.PrivilegedProcessorTime);
        var clock = Stopwatch.StartNew();
        var (gradient, reduction, how) = run();
        double seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return new Measured(seconds, (process.TotalProcessorTime - cpu).TotalSeconds, (process.PrivilegedProcessorTime - system).TotalSeconds,
            gradient, reduction, ProcessMemory.Peak(), how);
    }

    private sealed class IgnoredGradients : IGradientConsumer
    {
        public void BeginChunk(int first, int count) { }
        public void Layer(int layer, Tensor attention, Tensor gradient) { }
        public void EndChunk() { }
    }

    private static Text Cell(string s) => new(s);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static long DecoderParameters(SyntheticShape s) =>
        (long)s.Layers * (4L * s.Hidden * s.Hidden + 3L * s.Hidden * s.Intermediate);

    private static Tensor Features(VisionLanguageModel model, ImageInput image)
    {
        using var noGrad = torch.no_grad();
        return model.EncodeImage(image);
    }

    private static string S(double seconds) => $"{seconds:F2} s";
    private static string Mib(double bytes) => $"{bytes / 1048576.0:F0}";

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

using System.CommandLine;
using System.Diagnostics;
using Glimpse.Core.Evaluation;
using Glimpse.Core.Images;
using Glimpse.Core.Methods;
using Glimpse.Core.Rendering;
using Glimpse.Explain;
using Glimpse.Model;
using Glimpse.Model.Architectures;
using Glimpse.Model.Generation;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Cli.Commands;

/// <summary>
/// <c>glimpse bench precision</c>: a real-size model (LLaVA-1.5-7B's shape by default, random weights built in memory) in
/// one precision — build time and memory, prefill, generation, and exact GLIMPSE per answer token; with
/// <c>--compare</c> (for shapes that fit twice in memory) also how far the bfloat16-mixed map is from the float32 one.
/// </summary>
internal static class PrecisionBench
{
    public static Command Create()
    {
        // LLaVA-1.5-7B: CLIP ViT-L/14-336 (24 layers, width 1024, 16 heads, 576 patch tokens) and Llama-2-7B.
        // LLaVA-1.5-7B: Llama-2-7B (32 × 4096, 32 heads, MLP 11008, vocab 32064) on CLIP ViT-L/14-336 (24 × 1024, 576 tokens).
        var shape = new SyntheticShapeOptions(layers: 32, hidden: 4096, heads: 32, imageSide: 24, visionLayers: 24, visionHidden: 1024,
            intermediate: 11008, vocab: 32064, family: false);
        var text = new Option<int>("--text-tokens") { Description = "Prompt text tokens around the image tokens.", DefaultValueFactory = _ => 42 };
        var newTokens = new Option<int>("--new-tokens") { Description = "Tokens to generate (the answer explained has this many).", DefaultValueFactory = _ => 32 };
        var explainTokens = new Option<int>("--explain-tokens") { Description = "Answer tokens GLIMPSE explains (the last ones); the time per token is extrapolated to --new-tokens. 0: no GLIMPSE (a model whose explain-mode graph does not fit).", DefaultValueFactory = _ => 3 };
        var precision = new Option<string>("--precision")
        {
            Description = ExplainOptions.Find("precision")!.Description,
            DefaultValueFactory = _ => ModelPrecision.Float32.Name(),
        };
        var compare = new Option<bool>("--compare") { Description = "Build the model in float32 and a bfloat16-mixed copy of the same weights, and compare their GLIMPSE maps (needs memory for both)." };
        var command = new Command("precision", "A real-size random-weight model (LLaVA-1.5-7B's shape by default) in one precision: memory, prefill, generation, exact GLIMPSE per answer token.")
        {
            text, newTokens, explainTokens, precision, compare,
        };
        foreach (var option in shape.All) command.Options.Add(option);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var size = shape.Read(parse);
            if (size.VisionHidden % 64 != 0) throw new UserInputException($"--vision-hidden {size.VisionHidden} must be a multiple of 64 (heads of 64).");
            int answer = Math.Max(1, parse.GetValue(newTokens));
            int explained = Math.Clamp(parse.GetValue(explainTokens), 0, answer);
            if (parse.GetValue(compare)) Compare(size, parse.GetValue(text), answer, Math.Max(1, explained));
            else
            {
                string name = parse.GetValue(precision) ?? ModelPrecision.Float32.Name();
                if (!ModelPrecisions.TryParse(name, out var chosen))
                    throw new UserInputException($"--precision '{name}' is not one of {string.Join(", ", ModelPrecisions.Names)}.");
                Measure(size, chosen, parse.GetValue(text), answer, explained);
            }
            return 0;
        }));
        return command;
    }

    private static void Measure(SyntheticShape shape, ModelPrecision precision, int textTokens, int newTokens, int explainTokens)
    {
        var dtype = ModelLoadOptions.For(precision).DType;
        AnsiConsole.MarkupLine($"[bold]glimpse bench precision[/]: {Describe(shape)}, {precision.Name()}, {torch.get_num_threads()} threads, one run");
        ProcessMemory.ResetPeak();
        var clock = Stopwatch.StartNew();
        // Built directly in its dtype, as ModelLoader builds a 16-bit checkpoint: a 7B model never exists in float32.
        using VisionLanguageModel model = ModelLoader.Construct(dtype, () => SyntheticModel.Llava(shape));
        var build = clock.Elapsed;
        long parameterBytes = model.parameters().Sum(p => p.numel() * p.element_size());
        // Each figure is printed as soon as it exists: a run that memory ends early still reports what it measured.
        Report("random weights built in memory", $"{build.TotalSeconds:F1} s, {Gib(parameterBytes)} of parameters ({model.parameters().Sum(p => p.numel()) / 1e9:F2} B)");
        Report("peak resident memory after building", Gib(ProcessMemory.Peak()));

        using var run = Prepare(model, shape, textTokens, newTokens);
        Report("vision tower + projector (576 image tokens)", $"{run.Vision.TotalSeconds:F2} s");
        Report($"prefill, fused attention ({run.PromptLength} tokens)", $"{run.Generation.PrefillTime.TotalSeconds:F2} s");
        Report($"generation of {newTokens} tokens after the prefill",
            $"{run.Generation.DecodeTime.TotalSeconds:F1} s ({run.Generation.DecodeTime.TotalSeconds / Math.Max(1, newTokens - 1):F2} s per token)");
        Report("peak resident memory up to here", Gib(ProcessMemory.Peak()));

        if (explainTokens == 0) return;
        var subject = run.Subject(model, explainTokens);
        ProcessMemory.ResetPeak();
        var relevance = new GlimpseExplainer(new GlimpseOptions(), SweepMode.PerToken).Explain(subject);
        double perToken = relevance.GradientSeconds / explainTokens;
        Report($"GLIMPSE teacher-forced forward ({run.FullIds.Length} tokens, graph kept)", $"{relevance.ForwardSeconds:F1} s");
        Report($"GLIMPSE exact, per answer token (measured on {explainTokens})", $"{perToken:F1} s");
        Report($"GLIMPSE exact for a {newTokens}-token answer (forward + {newTokens} × per token, extrapolated)",
            $"{(relevance.ForwardSeconds + newTokens * perToken) / 60:F1} min");
        Report("peak resident memory during GLIMPSE", Gib(ProcessMemory.Peak()));
    }

    private static void Report(string name, string value)
    {
        AnsiConsole.WriteLine($"{name}: {value}");
        Console.Out.Flush();
    }

    /// <summary>The same weights in float32 and bfloat16-mixed: GLIMPSE's S_V and S_P compared (min-max normalised).</summary>
    private static void Compare(SyntheticShape shape, int textTokens, int newTokens, int explainTokens)
    {
        AnsiConsole.MarkupLine($"[bold]glimpse bench precision --compare[/]: {Describe(shape)}, {torch.get_num_threads()} threads");
        using VisionLanguageModel float32 = SyntheticModel.Llava(shape);
        using VisionLanguageModel mixed = ModelLoader.Construct(ScalarType.BFloat16, () => SyntheticModel.Llava(shape));
        using (torch.no_grad())
        {
            var source = float32.state_dict();
            foreach (var (name, target) in mixed.state_dict()) target.copy_(source[name]);
        }
        // The float32 model's answer is the sequence both explain, so only the precision differs.
        using var run = Prepare(float32, shape, textTokens, newTokens);
        var explainer = new GlimpseExplainer(new GlimpseOptions(), SweepMode.PerToken);
        var reference = explainer.Explain(run.Subject(float32, explainTokens));
        var result = explainer.Explain(run.Subject(mixed, explainTokens));
        var (cc, difference) = Agreement(reference.ImageMap, result.ImageMap);
        var (promptCc, promptDifference) = Agreement(reference.PromptMap!, result.PromptMap!);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("map", "CC", "max |Δ| (min-max normalised)");
        table.AddRow("S_V (image tokens)", $"{cc:F4}", $"{difference:F4}");
        table.AddRow("S_P (question tokens)", $"{promptCc:F4}", $"{promptDifference:F4}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"GLIMPSE per answer token: float32 {reference.GradientSeconds / explainTokens:F2} s, bfloat16-mixed {result.GradientSeconds / explainTokens:F2} s");
    }

    private static (double Correlation, double MaxAbsDifference) Agreement(double[] float32, double[] mixed)
    {
        var a = MapNormalizer.Normalize(float32, MapNormalization.MinMax);
        var b = MapNormalizer.Normalize(mixed, MapNormalization.MinMax);
        return (SaliencyMetrics.Cc(a, b), a.Zip(b, (x, y) => Math.Abs(x - y)).Max());
    }

    /// <summary>Image features, a generated answer and the sequence it makes. Owns the tensors.</summary>
    private sealed class PreparedRun(Tensor features, GenerationResult generation, TimeSpan vision, long[] imagePositions, long[] questionPositions) : IDisposable
    {
        public Tensor Features { get; } = features;
        public GenerationResult Generation { get; } = generation;
        public TimeSpan Vision { get; } = vision;
        public long[] FullIds => Generation.FullIds;
        public int PromptLength => Generation.PromptIds.Length;

        /// <summary>The whole sequence, explaining only its last <paramref name="tokens"/> tokens (the cost per token is
        /// that of any answer token at this sequence length).</summary>
        public ExplanationSubject Subject(VisionLanguageModel model, int tokens)
        {
            long n = FullIds.Length;
            var geometry = new ImageGeometry(new PixelSize(24, 24), new PixelSize(24, 24), new PixelRect(0, 0, 24, 24));
            return new ExplanationSubject
            {
                Model = model,
                SequenceIds = FullIds,
                ImageFeatures = Features,   // written into the embeddings in the model's dtype
                VisualPositions = imagePositions,
                PromptPositions = questionPositions,
                QueryPositions = Enumerable.Range(0, tokens).Select(t => n - tokens - 1 + t).ToArray(),
                AnswerIds = FullIds[^tokens..],
                ImageTokens = ImageTokenLayout.SingleGrid(24, 24, 1, geometry),
            };
        }

        public void Dispose()
        {
            Features.Dispose();
            Generation.Dispose();
        }
    }

    private static PreparedRun Prepare(VisionLanguageModel model, SyntheticShape shape, int textTokens, int newTokens)
    {
        using var image = SyntheticFamilies.For("llava").RandomImage(shape);
        // Text ids stay below the image id at the top of the vocabulary.
        var random = new Random(1);
        int before = textTokens / 2;
        long[] prompt = [1, .. Enumerable.Range(0, before).Select(_ => (long)random.Next(3, shape.Vocab - 8)),
            .. Enumerable.Repeat(model.Config.ImageTokenId, image.ImageTokens),
            .. Enumerable.Range(0, textTokens - before).Select(_ => (long)random.Next(3, shape.Vocab - 8))];
        var clock = Stopwatch.StartNew();
        Tensor features;
        using (torch.no_grad()) features = model.EncodeImage(image.Input);
        var vision = clock.Elapsed;
        var generation = AnswerGenerator.Generate(model, prompt, image.Input,
            new GenerationOptions { MaxNewTokens = newTokens, StopAtEos = false, ImageFeatures = features });
        long firstImage = 1 + before;
        return new PreparedRun(features, generation, vision,
            Enumerable.Range(0, image.ImageTokens).Select(i => firstImage + i).ToArray(),
            Enumerable.Range(0, textTokens - before).Select(i => firstImage + image.ImageTokens + i).ToArray());
    }

    private static string Describe(SyntheticShape s) =>
        $"LLaVA layout, decoder {s.Layers} × {s.Hidden} ({s.Heads} heads, MLP {s.Intermediate}, vocab {s.Vocab}), vision {s.VisionLayers} × {s.VisionHidden}";

    private static string Gib(long bytes) => bytes > 0 ? $"{bytes / (double)(1L << 30):F1} GiB" : "n/a (no /proc)";
}

using Glimpse.Model.Families.Llava;
using System.CommandLine;
using System.Diagnostics;
using Glimpse.Explain;
using Glimpse.Model;
using Glimpse.Model.Architectures;
using Glimpse.Model.Generation;
using Glimpse.Model.Modules;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Cli.Commands;

/// <summary>
/// <c>glimpse bench runtime</c>: speed and memory of the runtime on a random-weight model of a chosen size and layout
/// (LLaVA by default, or Qwen2.5-VL) — prefill, decoding, and the explain-mode forward (eager attention kept in the
/// autograd graph) against the fused path.
/// </summary>
internal static class RuntimeBench
{
    public static Command Create()
    {
        var shape = new SyntheticShapeOptions(layers: 12, hidden: 768, heads: 12, imageSide: 24);
        var text = new Option<int>("--text-tokens") { Description = "Prompt text tokens around the image.", DefaultValueFactory = _ => 40 };
        var newTokens = new Option<int>("--new-tokens") { Description = "Tokens to decode.", DefaultValueFactory = _ => 32 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions (median reported).", DefaultValueFactory = _ => 3 };
        var family = new Option<string>("--family")
        {
            Description = "Model layout: llava (CLIP + projector + Llama), qwen2_5_vl (window-attention ViT + merger + Qwen2 with M-RoPE; " +
                          "--image-side is then the merged token grid side) or idefics3 (SigLIP + pixel shuffle + Llama on SmolVLM's " +
                          "4×4 tiles + global image of 512-pixel frames, 1,088 image tokens; --image-side is not used).",
            DefaultValueFactory = _ => "llava",
        };
        var command = new Command("runtime", "Prefill, decoding and the explain-mode forward on a synthetic mid-size model.")
        {
            text, newTokens, repeats, family,
        };
        foreach (var option in shape.All) command.Options.Add(option);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            string layout = parse.GetValue(family) ?? "llava";
            if (layout is not ("llava" or "qwen2_5_vl" or "idefics3"))
                throw new UserInputException($"--family '{layout}' is not known; use llava, qwen2_5_vl or idefics3.");
            Run(layout, shape.Read(parse, visionLayers: 4, visionHidden: 256), parse.GetValue(text), parse.GetValue(newTokens), Math.Max(1, parse.GetValue(repeats)));
            return 0;
        }));
        return command;
    }

    private static void Run(string family, SyntheticShape shape, int textTokens, int newTokens, int repeats)
    {
        bool qwen = family == "qwen2_5_vl", idefics3 = family == "idefics3";
        using VisionLanguageModel model = qwen ? SyntheticModel.Qwen25VL(shape) : idefics3 ? SyntheticModel.Idefics3(shape) : SyntheticModel.Llava(shape);
        int side = shape.ImageTokensPerSide, imageTokens = idefics3 ? Idefics3Frames * Idefics3TokensPerFrame : side * side;
        // Text ids stay below the special ids at the top of the vocabulary (Qwen2.5-VL: vision start/end, video, image).
        int textIdLimit = qwen ? shape.Vocab - 5 : shape.Vocab - 2;
        var random = new Random(1);
        long[] prompt = [1, .. Enumerable.Range(0, textTokens / 2).Select(_ => (long)random.Next(3, textIdLimit)),
            .. Enumerable.Repeat(model.Config.ImageTokenId, imageTokens),
            .. Enumerable.Range(0, textTokens - textTokens / 2).Select(_ => (long)random.Next(3, textIdLimit))];
        // LLaVA: one square image [1, 3, S, S]. Qwen2.5-VL: patch rows [(2·side)², 3·2·14·14] on a (1, 2·side, 2·side) grid.
        int imageSize = side * SyntheticModel.PatchSize;
        // Idefics3: 4×4 tiles and the global image, [17, 3, 512, 512].
        using var pixels = qwen ? torch.randn(4L * imageTokens, 3 * 2 * SyntheticModel.PatchSize * SyntheticModel.PatchSize)
            : idefics3 ? torch.randn(Idefics3Frames, 3, SyntheticModel.Idefics3FrameSize, SyntheticModel.Idefics3FrameSize)
            : torch.randn(1, 3, imageSize, imageSize);
        var image = qwen ? new ImageInput(pixels, [1, 2L * side, 2L * side]) : new ImageInput(pixels);

        AnsiConsole.MarkupLine($"[bold]glimpse bench[/] ({family}): {shape.Layers} layers, hidden {shape.Hidden}, {shape.Heads} heads, vocab {shape.Vocab}, " +
                               $"{imageTokens} image tokens, prompt {prompt.Length} tokens, {newTokens} new tokens; " +
                               $"{torch.get_num_threads()} threads, median of {repeats}");

        using var features = Measure(repeats, () => { using (torch.no_grad()) return model.EncodeImage(image); }, out var vision);
        using var embeddings = model.Embed(prompt, features);
        var positions = model.PositionIds(prompt, image).Positions;

        Measure(repeats, () => Prefill(model, embeddings, positions, recorder: null), out var prefillFast).Dispose();
        Measure(repeats, () => { using var recorder = new AttentionRecorder(); return Prefill(model, embeddings, positions, recorder); }, out var prefillEager).Dispose();

        GenerationResult? generation = null;
        Measure(repeats, () =>
        {
            generation?.Dispose();
            generation = AnswerGenerator.Generate(model, prompt, image, new GenerationOptions { MaxNewTokens = newTokens, StopAtEos = false, ImageFeatures = features });
            return torch.empty(0);
        }, out _).Dispose();
        double decodeRate = (generation!.NewTokens.Length - 1) / generation.DecodeTime.TotalSeconds;
        long[] full = generation.FullIds;
        generation.Dispose();

        ProcessMemory.ResetPeak();
        TimeSpan explainForward = TimeSpan.Zero, backward = TimeSpan.Zero;
        long attentionBytes = 0;
        var forwardTimes = new List<TimeSpan>();
        var backwardTimes = new List<TimeSpan>();
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            using var pass = TeacherForcedPass.Run(model, full, image, new() { TrackGradients = true, ImageFeatures = features });
            forwardTimes.Add(clock.Elapsed);
            attentionBytes = pass.Attentions.Sum(a => a.numel() * a.element_size());
            clock.Restart();
            using (var target = pass.Logits[0, -2, full[^1]])
            {
                var grads = pass.AttentionGradients([target], retainGraph: false);
                foreach (var g in grads) g.Dispose();
            }
            backwardTimes.Add(clock.Elapsed);
        }
        explainForward = Median(forwardTimes);
        backward = Median(backwardTimes);
        long explainPeak = ProcessMemory.Peak();

        var table = new Table().Border(TableBorder.Rounded).AddColumns("measure", "value");
        Row(table, "vision tower + projector", Ms(vision));
        Row(table, $"prefill, fused attention ({prompt.Length} tokens)", Ms(prefillFast));
        Row(table, "prefill, eager attention kept", Ms(prefillEager));
        Row(table, "eager / fused prefill", $"{prefillEager / prefillFast:F2}×");
        Row(table, "decode", $"{decodeRate:F1} tokens/s");
        Row(table, $"explain-mode forward ({full.Length} tokens, graph kept)", Ms(explainForward));
        Row(table, "explain forward / fused prefill", $"{explainForward / prefillFast:F2}×");
        Row(table, "one backward to all attentions", Ms(backward));
        Row(table, "attention probabilities kept", Mb(attentionBytes));
        Row(table, "process peak resident memory during explain-mode", explainPeak > 0 ? Mb(explainPeak) : "n/a (no /proc)");
        AnsiConsole.Write(table);
    }

    /// <summary>SmolVLM at its default longest edge 2048: 4 × 4 tiles plus the global image, 64 tokens each.</summary>
    private const int Idefics3Frames = 17;
    private const int Idefics3TokensPerFrame =
        SyntheticModel.Idefics3FrameSize / SyntheticModel.Idefics3PatchSize / SyntheticModel.Idefics3ScaleFactor
        * (SyntheticModel.Idefics3FrameSize / SyntheticModel.Idefics3PatchSize / SyntheticModel.Idefics3ScaleFactor);

    private static void Row(Table table, string name, string value) => table.AddRow(new Text(name), new Text(value));

    private static Tensor Prefill(VisionLanguageModel model, Tensor embeddings, Tensor positions, AttentionRecorder? recorder)
    {
        using var noGrad = torch.no_grad();
        using var cache = recorder is null ? new KvCache(model.Config.Text.NumLayers, embeddings.shape[1]) : null;
        using var hidden = model.LanguageModel.Forward(embeddings, positions, cache, recorder);
        return model.Logits(hidden[.., -1]);
    }

    private static Tensor Measure(int repeats, Func<Tensor> action, out TimeSpan median)
    {
        action().Dispose();   // warm-up: first calls pay for allocation and kernel selection
        var times = new List<TimeSpan>();
        Tensor result = torch.empty(0);
        for (int r = 0; r < repeats; r++)
        {
            result.Dispose();
            var clock = Stopwatch.StartNew();
            result = action();
            times.Add(clock.Elapsed);
        }
        median = Median(times);
        return result;
    }

    private static TimeSpan Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);
    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:F0} ms";
    private static string Mb(long bytes) => $"{bytes / 1048576.0:F0} MiB";
}

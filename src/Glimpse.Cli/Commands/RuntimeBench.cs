using Glimpse.Model.Families.Llava;
using Glimpse.Model.Families.LlavaNext;
using Glimpse.Model.Processing;
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
                          "--image-side is then the merged token grid side) or llava_next (LLaVA's tower on AnyRes tiles of --image-side² " +
                          "patches plus a base image; see --original).",
            DefaultValueFactory = _ => "llava",
        };
        var original = new Option<string>("--original")
        {
            Description = "llava_next only: the original image's WxH in tiles of --image-side·14 px (\"2x2\": four tiles, " +
                          "\"2x0.6\": a wide strip on two tiles that unpadding trims); it sets the image-token count.",
            DefaultValueFactory = _ => "2x2",
        };
        var command = new Command("runtime", "Prefill, decoding and the explain-mode forward on a synthetic mid-size model.")
        {
            text, newTokens, repeats, family, original,
        };
        foreach (var option in shape.All) command.Options.Add(option);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            string layout = parse.GetValue(family) ?? "llava";
            if (layout is not ("llava" or "qwen2_5_vl" or "llava_next"))
                throw new UserInputException($"--family '{layout}' is not known; use llava, qwen2_5_vl or llava_next.");
            Run(layout, shape.Read(parse, visionLayers: 4, visionHidden: 256), parse.GetValue(text), parse.GetValue(newTokens), Math.Max(1, parse.GetValue(repeats)),
                parse.GetValue(original) ?? "2x2");
            return 0;
        }));
        return command;
    }

    private static void Run(string family, SyntheticShape shape, int textTokens, int newTokens, int repeats, string original)
    {
        bool qwen = family == "qwen2_5_vl";
        int side = shape.ImageTokensPerSide;
        using var pixels = family switch
        {
            // Qwen2.5-VL: patch rows [(2·side)², 3·2·14·14] on a (1, 2·side, 2·side) grid.
            "qwen2_5_vl" => torch.randn(4L * side * side, 3 * 2 * SyntheticModel.PatchSize * SyntheticModel.PatchSize),
            "llava_next" => LlavaNextViews(shape, original),
            // LLaVA: one square image [1, 3, S, S].
            _ => torch.randn(1, 3, side * SyntheticModel.PatchSize, side * SyntheticModel.PatchSize),
        };
        PixelSize? imageSize = family == "llava_next" ? LlavaNextOriginal(shape, original) : null;
        var image = qwen ? new ImageInput(pixels, [1, 2L * side, 2L * side]) : new ImageInput(pixels, ImageSize: imageSize);
        using VisionLanguageModel model = family switch
        {
            "qwen2_5_vl" => SyntheticModel.Qwen25VL(shape),
            "llava_next" => SyntheticModel.LlavaNext(shape),
            _ => SyntheticModel.Llava(shape),
        };
        int imageTokens = imageSize is { } size
            ? AnyResolution.TokenCount(size, SyntheticModel.LlavaNextConfig(shape).ImageGridPinpoints, side * SyntheticModel.PatchSize, side)
            : side * side;
        // Text ids stay below the special ids at the top of the vocabulary (Qwen2.5-VL: vision start/end, video, image).
        int textIdLimit = qwen ? shape.Vocab - 5 : shape.Vocab - 2;
        var random = new Random(1);
        long[] prompt = [1, .. Enumerable.Range(0, textTokens / 2).Select(_ => (long)random.Next(3, textIdLimit)),
            .. Enumerable.Repeat(model.Config.ImageTokenId, imageTokens),
            .. Enumerable.Range(0, textTokens - textTokens / 2).Select(_ => (long)random.Next(3, textIdLimit))];

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

    /// <summary>--original "WxH" in tiles → the original image's pixel size.</summary>
    private static PixelSize LlavaNextOriginal(SyntheticShape shape, string original)
    {
        int tile = shape.ImageTokensPerSide * SyntheticModel.PatchSize;
        var parts = original.Split('x');
        if (parts.Length != 2 || !double.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out double w)
            || !double.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out double h) || w <= 0 || h <= 0)
            throw new UserInputException($"--original '{original}' must be WxH in tiles, e.g. 2x2 or 2x0.6.");
        return new PixelSize(Math.Max(1, (int)Math.Round(w * tile)), Math.Max(1, (int)Math.Round(h * tile)));
    }

    /// <summary>Random views [1 + tiles, 3, S, S] for the tiling the original's size gets.</summary>
    private static Tensor LlavaNextViews(SyntheticShape shape, string original)
    {
        var config = SyntheticModel.LlavaNextConfig(shape);
        var (rows, columns) = AnyResolution.TileGrid(LlavaNextOriginal(shape, original), config.ImageGridPinpoints, config.Vision.ImageSize);
        return torch.randn(1 + rows * columns, 3, config.Vision.ImageSize, config.Vision.ImageSize);
    }

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

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
        var shape = new SyntheticShapeOptions(layers: 12, hidden: 768, heads: 12, imageSide: 24, visionLayers: 4, visionHidden: 256);
        var text = new Option<int>("--text-tokens") { Description = "Prompt text tokens around the image.", DefaultValueFactory = _ => 40 };
        var newTokens = new Option<int>("--new-tokens") { Description = "Tokens to decode.", DefaultValueFactory = _ => 32 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions (median reported).", DefaultValueFactory = _ => 3 };
        var original = new Option<string>("--original")
        {
            Description = "llava_next only: the original image's WxH in tiles of --image-side·14 px (\"2x2\": four tiles, " +
                          "\"2x0.6\": a wide strip on two tiles that unpadding trims); it sets the image-token count.",
            DefaultValueFactory = _ => "2x2",
        };
        var command = new Command("runtime", "Prefill, decoding and the explain-mode forward on a synthetic mid-size model.")
        {
            text, newTokens, repeats, original,
        };
        foreach (var option in shape.All) command.Options.Add(option);
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var synthetic = shape.Family(parse);
            var size = shape.Read(parse) with { OriginalInTiles = Tiles(parse.GetValue(original) ?? "2x2") };
            Run(synthetic, size, parse.GetValue(text), parse.GetValue(newTokens), Math.Max(1, parse.GetValue(repeats)));
            return 0;
        }));
        return command;
    }

    private static void Run(SyntheticFamily family, SyntheticShape shape, int textTokens, int newTokens, int repeats)
    {
        using VisionLanguageModel model = family.Create(shape);
        using var image = family.RandomImage(shape);
        int imageTokens = image.ImageTokens;
        // Text ids stay below the special ids every layout keeps at the top of the vocabulary (image, vision start/end, video).
        int textIdLimit = shape.Vocab - 8;
        var random = new Random(1);
        long[] prompt = [1, .. Enumerable.Range(0, textTokens / 2).Select(_ => (long)random.Next(3, textIdLimit)),
            .. Enumerable.Repeat(model.Config.ImageTokenId, imageTokens),
            .. Enumerable.Range(0, textTokens - textTokens / 2).Select(_ => (long)random.Next(3, textIdLimit))];

        AnsiConsole.MarkupLine($"[bold]glimpse bench[/] ({family.Name}): {shape.Layers} layers, hidden {shape.Hidden}, {shape.Heads} heads, vocab {shape.Vocab}, " +
                               $"{imageTokens} image tokens, prompt {prompt.Length} tokens, {newTokens} new tokens; " +
                               $"{torch.get_num_threads()} threads, median of {repeats}");

        using var features = Measure(repeats, () => { using (torch.no_grad()) return model.EncodeImage(image.Input); }, out var vision);
        using var embeddings = model.Embed(prompt, features);
        var positions = model.PositionIds(prompt, image.Input).Positions;

        var additions = model.ImageAdditions(prompt, features);
        Measure(repeats, () => Prefill(model, embeddings, positions, additions, recorder: null), out var prefillFast).Dispose();
        Measure(repeats, () => { using var recorder = new AttentionRecorder(); return Prefill(model, embeddings, positions, additions, recorder); }, out var prefillEager).Dispose();

        GenerationResult? generation = null;
        Measure(repeats, () =>
        {
            generation?.Dispose();
            generation = AnswerGenerator.Generate(model, prompt, image.Input, new GenerationOptions { MaxNewTokens = newTokens, StopAtEos = false, ImageFeatures = features });
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
            using var pass = TeacherForcedPass.Run(model, full, image.Input, new() { TrackGradients = true, ImageFeatures = features });
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

    /// <summary>--original "WxH" in tiles.</summary>
    private static (double Width, double Height) Tiles(string original)
    {
        var parts = original.Split('x');
        if (parts.Length != 2 || !double.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out double w)
            || !double.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out double h) || w <= 0 || h <= 0)
            throw new UserInputException($"--original '{original}' must be WxH in tiles, e.g. 2x2 or 2x0.6.");
        return (w, h);
    }

    private static void Row(Table table, string name, string value) => table.AddRow(new Text(name), new Text(value));

    private static Tensor Prefill(VisionLanguageModel model, Tensor embeddings, Tensor positions, LayerAdditions? additions, AttentionRecorder? recorder)
    {
        using var noGrad = torch.no_grad();
        using var cache = recorder is null ? new KvCache(model.Config.Text.NumLayers, embeddings.shape[1]) : null;
        using var hidden = model.LanguageModel.Forward(embeddings, positions, cache, recorder, additions: additions);
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

using System.Diagnostics;
using Glimpse.Model.Architectures;
using Glimpse.Model.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Generation;

public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 64;
    /// <summary>0 decodes greedily (argmax); above 0 samples from softmax(logits / T).</summary>
    public double Temperature { get; init; }
    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches P (1 keeps all).</summary>
    public double TopP { get; init; } = 1.0;
    /// <summary>Seed of the sampler; the same seed gives the same answer.</summary>
    public long? Seed { get; init; }
    public bool StopAtEos { get; init; } = true;
    /// <summary>Overrides the config's end-of-sequence ids (e.g. from generation_config.json).</summary>
    public long[]? EosTokenIds { get; init; }
    /// <summary>Keep the raw logits of every step ([T, vocab]).</summary>
    public bool KeepStepLogits { get; init; }
    /// <summary>Image features computed earlier; otherwise the vision tower runs once here.</summary>
    public Tensor? ImageFeatures { get; init; }

    public void Validate()
    {
        if (MaxNewTokens < 1) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "must be at least 1");
        if (Temperature < 0 || double.IsNaN(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "must be ≥ 0");
        if (TopP is <= 0 or > 1 || double.IsNaN(TopP)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "must be in (0, 1]");
    }
}

public enum FinishReason { EndOfSequence, MaxNewTokens, ContextFull }

public sealed class GenerationResult : IDisposable
{
    public required long[] PromptIds { get; init; }
    public required long[] NewTokens { get; init; }
    public required FinishReason FinishReason { get; init; }
    public required TimeSpan PrefillTime { get; init; }
    public required TimeSpan DecodeTime { get; init; }
    /// <summary>[T, vocab] raw logits per step when asked for; step 0 is the last prompt position.</summary>
    public Tensor? StepLogits { get; init; }

    /// <summary>Prompt followed by the answer: the sequence an explanation is computed on.</summary>
    public long[] FullIds => [.. PromptIds, .. NewTokens];

    public void Dispose() => StepLogits?.Dispose();
}

/// <summary>Autoregressive decoding with a KV cache, no autograd, fused attention.</summary>
public static class AnswerGenerator
{
    public static GenerationResult Generate(VisionLanguageModel model, long[] promptIds, ImageInput? image, GenerationOptions? options = null)
    {
        options ??= new GenerationOptions();
        options.Validate();
        int maxPositions = model.Config.Text.MaxPositionEmbeddings;
        if (promptIds.Length >= maxPositions)
            throw new ArgumentException($"The prompt is {promptIds.Length} tokens; the model's context is {maxPositions}, leaving no room for an answer.");
        var eos = (options.EosTokenIds ?? model.Config.Text.EosTokenIds).ToHashSet();
        int budget = Math.Min(options.MaxNewTokens, maxPositions - promptIds.Length);

        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var cache = new KvCache(model.Config.Text.NumLayers, promptIds.Length + budget);
        using var sampler = options.Temperature > 0 ? new Sampler(options, model.Device) : null;
        var clock = Stopwatch.StartNew();

        var features = options.ImageFeatures ?? (image is null ? null : model.EncodeImage(image));
        var embeddings = model.Embed(promptIds, features);                                     // [1, S, D]
        var (positions, delta) = model.PositionIds(promptIds, image);                          // [axes, 1, S]
        // The image's decoder additions (DeepStack) belong to the prompt's image rows only, never to decoded tokens.
        var hidden = model.LanguageModel.Forward(embeddings, positions, cache, additions: model.ImageAdditions(promptIds, features));
        var logits = model.Logits(hidden[.., -1]);                                             // [1, vocab]
        var prefill = clock.Elapsed;

        var tokens = new List<long>();
        var stepLogits = new List<Tensor>();
        var reason = FinishReason.MaxNewTokens;
        while (true)
        {
            if (options.KeepStepLogits) stepLogits.Add(logits[0]);
            long next = sampler?.Next(logits[0]) ?? logits[0].argmax().item<long>();
            tokens.Add(next);
            if (options.StopAtEos && eos.Contains(next)) { reason = FinishReason.EndOfSequence; break; }
            if (tokens.Count == options.MaxNewTokens) break;
            if (tokens.Count == budget) { reason = FinishReason.ContextFull; break; }

            using var stepScope = NewDisposeScope();
            long index = promptIds.Length + tokens.Count - 1;
            var step = model.LanguageModel.Embed(torch.tensor(new[] { next }, device: model.Device).unsqueeze(0));
            hidden = model.LanguageModel.Forward(step, model.PositionsAfter(index, 1, delta), cache);
            logits = model.Logits(hidden[.., -1]).MoveToOuterDisposeScope();
        }

        return new GenerationResult
        {
            PromptIds = promptIds,
            NewTokens = [.. tokens],
            FinishReason = reason,
            PrefillTime = prefill,
            DecodeTime = clock.Elapsed - prefill,
            StepLogits = options.KeepStepLogits ? torch.stack(stepLogits).DetachFromDisposeScope() : null,
        };
    }

    /// <summary>Temperature + top-p sampling with its own seeded generator, so runs are reproducible.</summary>
    private sealed class Sampler(GenerationOptions options, Device device) : IDisposable
    {
        private readonly torch.Generator _generator = new((ulong)(options.Seed ?? Random.Shared.NextInt64()), device);

        public long Next(Tensor logits)
        {
            using var scope = NewDisposeScope();
            var probs = (logits.to(float32) / options.Temperature).softmax(-1);
            if (options.TopP < 1)
            {
                var (sorted, order) = probs.sort(descending: true);
                // Drop a token when the tokens ranked above it already reach top_p (the first always stays).
                var drop = (sorted.cumsum(0) - sorted) >= options.TopP;
                sorted = sorted.masked_fill(drop, 0);
                probs = torch.zeros_like(probs).scatter(0, order, sorted);
                probs = probs / probs.sum();
            }
            return torch.multinomial(probs, 1, generator: _generator).item<long>();
        }

        public void Dispose() => _generator.Dispose();
    }
}

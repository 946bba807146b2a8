using Glimpse.Model.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain.Baselines;

/// <summary>The forward-only pieces the attention baselines share.</summary>
internal static class AttentionOnlyPass
{
    /// <summary>One teacher-forced forward without a graph; the caller disposes the pass.</summary>
    public static TeacherForcedPass Run(ExplanationSubject s, bool keepHiddenStates = false) =>
        TeacherForcedPass.Run(s.Model, s.SequenceIds, s.Image, new TeacherForcedOptions { ImageFeatures = s.ImageFeatures, KeepHiddenStates = keepHiddenStates });

    /// <summary>A layer option's index: 0 the first, −1 the last, −2 the one before (as Python indexes); null the last.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The model has no such layer.</exception>
    public static int ResolveLayer(int? layer, int layers)
    {
        int chosen = layer switch { null => layers - 1, < 0 => layers + layer.Value, _ => layer.Value };
        return chosen >= 0 && chosen < layers
            ? chosen
            : throw new ArgumentOutOfRangeException(nameof(layer), layer, $"the model has {layers} decoder layers: 0 to {layers - 1}, or −1 to −{layers} from the last");
    }

    /// <summary>p_t from a pass's logits (same definition as GLIMPSE's).</summary>
    public static double[] Probabilities(TeacherForcedPass pass, ExplanationSubject s)
    {
        using var scope = NewDisposeScope();
        var logits = pass.Logits[0].index_select(0, torch.tensor(s.QueryPositions)).to(float64);
        return logits.softmax(-1).gather(1, torch.tensor(s.AnswerIds).unsqueeze(1)).squeeze(1).data<double>().ToArray();
    }

    /// <summary>Rows q_t, columns V of an [N, N]-per-row matrix given as [T, N] rows: [T, K] as arrays.</summary>
    public static double[][] RowsOnImage(Tensor rows, ExplanationSubject s)
    {
        using var scope = NewDisposeScope();
        var onV = rows.to(float64).index_select(1, torch.tensor(s.VisualPositions));
        return Enumerable.Range(0, (int)onV.shape[0]).Select(t => onV[t].data<double>().ToArray()).ToArray();
    }

    /// <summary>The response-level map of a baseline: the per-token maps averaged with equal weights.</summary>
    public static Relevance Uniform(string[] options, double[][] tokenMaps, double[] probabilities, double forwardSeconds, double gradientSeconds = 0, IReadOnlyList<string>? warnings = null)
    {
        int t = tokenMaps.Length, k = tokenMaps[0].Length;
        var mean = new double[k];
        foreach (var map in tokenMaps)
            for (int i = 0; i < k; i++) mean[i] += map[i] / t;
        return new Relevance
        {
            ImageMap = mean,
            TokenImageMaps = tokenMaps,
            VisualWeights = Relevance.Uniform(t),
            PromptWeights = Relevance.Uniform(t),
            JointRelevance = Relevance.Uniform(t),
            Probabilities = probabilities,
            Options = options.Select(o => o.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]),
            Warnings = warnings ?? [],
            ForwardSeconds = forwardSeconds,
            GradientSeconds = gradientSeconds,
        };
    }
}

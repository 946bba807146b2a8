using Glimpse.Model.Architectures;
using Glimpse.Model.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Model.Generation;

/// <summary>Options of a <see cref="TeacherForcedPass"/>.</summary>
public sealed record TeacherForcedOptions
{
    /// <summary>Keep the decoder in the autograd graph so gradients can be taken with respect to the attention
    /// probabilities (explain mode). Parameters never receive gradients.</summary>
    public bool TrackGradients { get; init; }
    /// <summary>Keep every layer's input and the final normed output (L + 1 tensors).</summary>
    public bool KeepHiddenStates { get; init; }
    /// <summary>Run B identical copies of the sequence, so that batch row b can back-propagate its own target.</summary>
    public int Batch { get; init; } = 1;
    /// <summary>Route each layer's attention gradient through <see cref="TeacherForcedPass.Backpropagate"/>'s sink as
    /// soon as backward produces it (deepest layer first), instead of returning all layers at once.</summary>
    public bool GradientTaps { get; init; }
    /// <summary>Compute logits only at these positions (e.g. the answer's q_t): the LM head over a large vocabulary
    /// is a large share of the work, forward and backward, and explanations read a few rows. Null: every position.</summary>
    public long[]? LogitPositions { get; init; }
    /// <summary>Image features computed earlier (e.g. for generation), reused instead of running the vision tower again.</summary>
    public Tensor? ImageFeatures { get; init; }
}

/// <summary>
/// One forward over a whole known sequence (prompt + answer) with the explicit attention path, keeping every
/// decoder layer's attention probabilities [B, H, N, N]. In explain mode (<see cref="TeacherForcedOptions.TrackGradients"/>)
/// the graph starts at the merged input embeddings, so backward touches only activations.
/// </summary>
public sealed class TeacherForcedPass : IDisposable
{
    private readonly AttentionRecorder _recorder;
    private readonly List<Tensor> _hiddenStates = [];
    // A second backward through a released graph aborts the process inside libtorch; refuse it here instead.
    private bool _graphReleased;

    /// <summary>Raw logits [B, N, vocab], float32 — or [B, |LogitPositions|, vocab] when positions were given.</summary>
    public Tensor Logits { get; }
    /// <summary>Decoder attention probabilities, one [B, H, N, N] tensor per layer.</summary>
    public IReadOnlyList<Tensor> Attentions => _recorder.Probabilities;
    /// <summary>Decoder hidden states [B, N, D] when kept: the input of each layer (with the image's additions after the
    /// layer before it, as Hugging Face records them), then the final normed output.</summary>
    public IReadOnlyList<Tensor> HiddenStates => _hiddenStates;
    /// <summary>The input embeddings [B, N, D] after image features were written in (the graph's leaf).</summary>
    public Tensor Embeddings { get; }

    private TeacherForcedPass(VisionLanguageModel model, long[] ids, ImageInput? image, TeacherForcedOptions options)
    {
        if (options.Batch < 1) throw new ArgumentOutOfRangeException(nameof(options), "Batch must be at least 1.");
        _recorder = new AttentionRecorder(options.GradientTaps && options.TrackGradients);
        using var scope = NewDisposeScope();
        Tensor embeddings, positions;
        LayerAdditions? additions;
        using (torch.no_grad())
        {
            var features = options.ImageFeatures ?? (image is null ? null : model.EncodeImage(image));
            embeddings = model.Embed(ids, features).expand(options.Batch, -1, -1).contiguous();   // [B, N, D]
            positions = model.PositionIds(ids, image).Positions.expand(-1, options.Batch, -1);    // [axes, B, N]
            additions = model.ImageAdditions(ids, features);
        }
        using (torch.enable_grad(options.TrackGradients))
        {
            if (options.TrackGradients) embeddings.requires_grad_(true);
            var hidden = model.LanguageModel.Forward(embeddings, positions, cache: null, _recorder,
                options.KeepHiddenStates ? _hiddenStates : null, additions);
            if (options.LogitPositions is { } rows) hidden = hidden.index_select(1, torch.tensor(rows, device: hidden.device));
            Logits = model.Logits(hidden).DetachFromDisposeScope();
        }
        Embeddings = embeddings.DetachFromDisposeScope();
    }

    public static TeacherForcedPass Run(VisionLanguageModel model, long[] ids, ImageInput? image, TeacherForcedOptions? options = null) =>
        new(model, ids, image, options ?? new TeacherForcedOptions());

    /// <summary>
    /// ∂outputs/∂A for every layer's attention probabilities A (same shapes as <see cref="Attentions"/>). Entries above
    /// the diagonal are what autograd returns (⟨∂out_i, V_j⟩), not zero. Keeps the graph for further calls unless
    /// <paramref name="retainGraph"/> is false.
    /// </summary>
    public IList<Tensor> AttentionGradients(IList<Tensor> outputs, IList<Tensor>? gradOutputs = null, bool retainGraph = true)
    {
        EnsureGraph();
        _graphReleased = !retainGraph;
        using var scope = NewDisposeScope();
        var grads = torch.autograd.grad(outputs, _recorder.Probabilities.ToList(), gradOutputs, retain_graph: retainGraph);
        foreach (var g in grads) g.MoveToOuterDisposeScope();
        return grads;
    }

    /// <summary>
    /// Back-propagates <paramref name="outputs"/> (summed) through the whole decoder, handing each layer's attention
    /// gradient [B, H, N, N] to <paramref name="sink"/> as soon as it exists, deepest layer first. The sink must not keep
    /// the tensor: it is released when the sink returns. Needs <see cref="TeacherForcedOptions.GradientTaps"/>.
    /// </summary>
    public void Backpropagate(IList<Tensor> outputs, Action<int, Tensor> sink, bool retainGraph = false)
    {
        if (!_recorder.TapGradients)
            throw new InvalidOperationException("This pass was run without GradientTaps (and TrackGradients).");
        EnsureGraph();
        _graphReleased = !retainGraph;
        _recorder.GradientSink = sink;
        _recorder.SinkFailure = null;
        // The CPU autograd engine calls the taps on this thread; the gradient wrappers TorchSharp makes for them land in
        // this scope and are released here, instead of holding each layer's gradient until the finalizer runs.
        using var scope = NewDisposeScope();
        try
        {
            torch.autograd.grad(outputs, [Embeddings], retain_graph: retainGraph);
        }
        finally
        {
            _recorder.GradientSink = null;
        }
        _recorder.SinkFailure?.Throw();
    }

    private void EnsureGraph()
    {
        if (!Embeddings.requires_grad)
            throw new InvalidOperationException("This pass was run without TrackGradients; no graph exists.");
        if (_graphReleased)
            throw new InvalidOperationException("The graph was released by an earlier backward (retainGraph: false); run a new pass.");
    }

    public void Dispose()
    {
        _recorder.Dispose();
        foreach (var h in _hiddenStates) h.Dispose();
        Logits.Dispose();
        Embeddings.Dispose();
    }
}

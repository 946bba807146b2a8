using TorchSharp;
using static TorchSharp.torch;
using Glimpse.Core.Methods;

namespace Glimpse.Explain;

/// <summary>
/// GLIMPSE (arXiv 2506.18985; glimpse-method.md): per answer token, gradient-weighted attention fused over heads with
/// adaptive head weights, propagated through the layers with adaptive, depth-prior layer weights; then the answer
/// tokens' rows are combined with crossed relevance weights into one map over the image and one over the question.
/// </summary>
/// <remarks>
/// The exact mode takes one gradient per answer token. Batched, a chunk of C copies of the sequence back-propagates
/// C tokens at once; as a loop, one graph back-propagates each token in turn. Either way each layer's gradients are
/// reduced to E_l, γ_l and w the moment backward produces them, so what is held is L·C·N² relevance entries plus one
/// layer's C·H·N² gradients — never L·H·N²·T.
/// </remarks>
public sealed class GlimpseExplainer(GlimpseOptions options, SweepMode? sweep = null) : IExplainer
{
    public GlimpseOptions Options { get; } = options;

    public string Method => Options.Fast ? "glimpse-fast" : "glimpse";
    public bool Approximate => Options.Fast;

    private SweepMode Sweep => Options.Fast ? SweepMode.Summed : sweep ?? SweepMode.Auto;

    public Relevance Explain(ExplanationSubject subject, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        Options.Validate();
        subject.Validate();
        if (Options.AnswerTokens == AnswerTokenSelection.All) return ExplainEvery(subject, progress, cancellation);

        var choice = AnswerTokenSelector.Choose(subject, Options);
        if (choice.Indices.Length == 0)
        {
            var all = ExplainEvery(subject, progress, cancellation);
            return all with { Warnings = [$"No answer token is a {ExplainOptions.Name(Options.AnswerTokens)} token; every token was explained.", .. all.Warnings] };
        }
        var explained = ExplainEvery(subject.Select(choice.Indices), progress, cancellation);
        return Expand(explained, choice, subject);
    }

    /// <summary>
    /// A selection's relevance over the whole answer: the maps are the selected tokens' (their weights renormalised among
    /// them); every token left out has weight 0 and an empty map, and a warning names them, so nothing is dropped unseen.
    /// </summary>
    private Relevance Expand(Relevance explained, AnswerTokenChoice choice, ExplanationSubject subject)
    {
        int tokens = subject.AnswerLength, k = explained.ImageMap.Length;
        double[] Spread(double[] selected)
        {
            var all = new double[tokens];
            for (int i = 0; i < choice.Indices.Length; i++) all[choice.Indices[i]] = selected[i];
            return all;
        }
        var maps = Enumerable.Range(0, tokens).Select(_ => new double[k]).ToArray();
        for (int i = 0; i < choice.Indices.Length; i++) maps[choice.Indices[i]] = explained.TokenImageMaps[i];
        var left = Enumerable.Range(0, tokens).Except(choice.Indices).ToList();
        string selection = ExplainOptions.Name(Options.AnswerTokens);
        var warnings = explained.Warnings.ToList();
        if (left.Count > 0)
        {
            string names = subject.AnswerTokens is { } texts
                ? string.Join(", ", left.Select(t => $"“{texts[t].Text}”"))
                : string.Join(", ", left.Select(t => $"#{t}"));
            warnings.Add($"Explained {choice.Indices.Length} of {tokens} answer tokens ({selection}); left out with weight 0: {names}.");
        }
        return explained with
        {
            TokenImageMaps = maps,
            VisualWeights = Spread(explained.VisualWeights),
            PromptWeights = Spread(explained.PromptWeights),
            JointRelevance = Spread(explained.JointRelevance),
            Probabilities = choice.Probabilities,
            Options = new Dictionary<string, string>(explained.Options) { ["explained_tokens"] = $"{choice.Indices.Length} of {tokens}" },
            Warnings = warnings,
            ForwardSeconds = explained.ForwardSeconds + choice.ForwardSeconds,
        };
    }

    private Relevance ExplainEvery(ExplanationSubject subject, IProgress<double>? progress, CancellationToken cancellation)
    {
        var text = subject.Model.Config.Text;
        int firstLayer = GlimpseAlgebra.FirstLayer(text.NumLayers, Options.LayerFraction);
        int chunk = Options.ChunkSize > 0 ? Options.ChunkSize
            : GradientSweep.ChunkFor(Options.MemoryBudgetBytes, GradientSweep.BytesPerBatchRow(subject, keptLayers: text.NumLayers - firstLayer), subject.AnswerLength);

        using var consumer = new Consumer(Options, subject, firstLayer);
        var outcome = GradientSweep.Run(subject, consumer, Sweep, chunk, Options.Target, progress, cancellation);
        var rows = consumer.Rows;                                                                       // R [T, N]

        var aggregate = GlimpseAlgebra.Aggregate(rows, outcome.Probabilities, subject.VisualPositions, subject.PromptPositions,
            subject.QueryPositions, Options);
        var warnings = consumer.Warnings.Concat(aggregate.Warnings).ToList();
        if (Options.Fast) warnings.Insert(0, "Approximate: fast mode uses one gradient of the summed answer logits, not one per token.");
        var described = new Dictionary<string, string>(Options.Describe()) { ["gradients"] = outcome.Gradients };
        return new Relevance
        {
            ImageMap = aggregate.VisualMap,
            PromptMap = aggregate.PromptMap,
            TokenImageMaps = aggregate.TokenVisualMaps,
            VisualWeights = aggregate.VisualWeights,
            PromptWeights = aggregate.PromptWeights,
            JointRelevance = aggregate.JointRelevance,
            Probabilities = outcome.Probabilities,
            Options = described,
            Warnings = warnings,
            ForwardSeconds = outcome.ForwardSeconds,
            GradientSeconds = outcome.GradientSeconds,
            ReductionSeconds = outcome.ReductionSeconds,
        };
    }

    /// <summary>
    /// Reduces each layer as it arrives; at the end of a chunk weighs the layers and propagates. Everything it keeps —
    /// the reducer's buffers, the E_l store, each layer's γ and w, and the rows R_t of every token — is allocated once,
    /// for the first chunk, and written in place for every later one.
    /// </summary>
    /// <remarks>
    /// The consumer runs inside backward, between the backward's own [C, H, N, N] temporaries; what it allocates there
    /// lives only until it returns, and on the CPU it runs on the sweep's reduction thread, whose small allocations do
    /// not split the blocks the backward reuses (see <see cref="ReductionThread"/>).
    /// </remarks>
    private sealed class Consumer(GlimpseOptions options, ExplanationSubject subject, int firstLayer) : IGradientConsumer, IDisposable
    {
        private readonly LayerReducer _reducer = new(options);
        private readonly int _kept = subject.Model.Config.Text.NumLayers - firstLayer;   // L', the propagated layers
        private Tensor? _relevance;     // E_l [L', capacity, N, N], slot l − firstLayer
        private Tensor? _mass;          // γ_l [L', capacity]
        private Tensor? _headWeights;   // w_l [L', capacity, H]
        private Tensor? _rows;          // R_t [T, N], every token's row
        private int _first, _count, _rowsPerLayer;

        /// <summary>R [T, N], one row per answer token once the sweep is done; owned by the consumer.</summary>
        public Tensor Rows => _rows ?? throw new InvalidOperationException("No chunk has ended.");
        public List<string> Warnings { get; } = [];

        public void BeginChunk(int first, int count) => (_first, _count) = (first, count);

        public void Layer(int layer, Tensor attention, Tensor gradient)
        {
            if (layer < firstLayer) return;   // below the layer fraction: neither propagated nor weighed
            long c = gradient.shape[0], heads = gradient.shape[1], n = gradient.shape[^1];
            if (_relevance is null || _relevance.shape[1] < c || _relevance.shape[^1] != n || _relevance.dtype != gradient.dtype
                || _headWeights!.shape[^1] != heads)
            {
                DisposeBuffers();
                using var scope = NewDisposeScope();
                _relevance = torch.empty(_kept, c, n, n, dtype: gradient.dtype, device: gradient.device).DetachFromDisposeScope();
                _mass = torch.empty(_kept, c, dtype: gradient.dtype, device: gradient.device).DetachFromDisposeScope();
                _headWeights = torch.empty(_kept, c, heads, dtype: gradient.dtype, device: gradient.device).DetachFromDisposeScope();
            }
            int slot = layer - firstLayer, rows = (int)c;
            _reducer.Reduce(attention, gradient, _relevance[slot][..rows], _mass![slot][..rows], _headWeights![slot][..rows]);
            _rowsPerLayer = rows;
        }

        public void EndChunk()
        {
            using var scope = NewDisposeScope();
            var mass = _mass!.narrow(1, 0, _rowsPerLayer).t();                                        // γ [C', L']
            var alpha = GlimpseAlgebra.LayerWeights(mass, firstLayer, options, out bool uniform);
            if (uniform) Warnings.Add("Every layer's gradient mass was zero for some token; uniform layer weights were used.");
            var queries = subject.QueryPositions[_first..(_first + _count)];
            if (alpha.shape[0] != _count) alpha = alpha.expand(_count, -1);                            // summed gradient: shared weights
            var relevance = Enumerable.Range(0, _kept).Select(slot => _relevance![slot][.._rowsPerLayer]).ToList();   // E_l [C', N, N], layer order
            var rows = GlimpseAlgebra.Propagate(relevance, alpha, queries, options.Propagation);      // [count, N]
            if (_rows is null)
            {
                using var keep = NewDisposeScope();
                _rows = torch.empty(subject.AnswerLength, rows.shape[1], dtype: rows.dtype, device: rows.device).DetachFromDisposeScope();
            }
            _rows.narrow(0, _first, _count).copy_(rows);
        }

        private void DisposeBuffers()
        {
            _relevance?.Dispose();
            _mass?.Dispose();
            _headWeights?.Dispose();
            (_relevance, _mass, _headWeights) = (null, null, null);
        }

        public void Dispose()
        {
            _reducer.Dispose();
            DisposeBuffers();
            _rows?.Dispose();
        }
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>The SwiGLU feed-forward of Llama and Qwen2: down(act(gate(x)) · up(x)).</summary>
public sealed class GatedMlp : CheckpointModule, IFeedForward
{
    private readonly Linear _gate, _up, _down;
    private readonly Func<Tensor, Tensor> _act;

    public GatedMlp(int hidden, int intermediate, bool bias, string act) : base(nameof(GatedMlp))
    {
        _gate = nn.Linear(hidden, intermediate, bias);
        _up = nn.Linear(hidden, intermediate, bias);
        _down = nn.Linear(intermediate, hidden, bias);
        _act = Activations.Get(act);
        register_module("gate_proj", _gate);
        register_module("up_proj", _up);
        register_module("down_proj", _down);
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return _down.forward(_act(_gate.forward(x)) * _up.forward(x)).MoveToOuterDisposeScope();
    }
}

/// <summary>The plain two-layer feed-forward of ViT encoders: fc2(act(fc1(x))).</summary>
public sealed class VisionMlp : CheckpointModule, IFeedForward
{
    private readonly Linear _fc1, _fc2;
    private readonly Func<Tensor, Tensor> _act;

    /// <param name="names">the checkpoint's names of the two layers: (fc1, fc2) by default (CLIP, Qwen2-VL),
    /// (linear_fc1, linear_fc2) in Qwen3-VL</param>
    public VisionMlp(int hidden, int intermediate, string act, (string Fc1, string Fc2)? names = null) : base(nameof(VisionMlp))
    {
        _fc1 = nn.Linear(hidden, intermediate);
        _fc2 = nn.Linear(intermediate, hidden);
        _act = Activations.Get(act);
        var (fc1, fc2) = names ?? ("fc1", "fc2");
        register_module(fc1, _fc1);
        register_module(fc2, _fc2);
    }

    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return _fc2.forward(_act(_fc1.forward(x))).MoveToOuterDisposeScope();
    }
}

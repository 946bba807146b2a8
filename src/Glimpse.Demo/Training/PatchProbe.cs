using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Demo.Training;

/// <summary>
/// The auxiliary loss of training: linear read-outs of each projected image token's shape and colour
/// (<see cref="PatchLabels"/>). A vision tower trained from scratch otherwise spends thousands of steps before its
/// tokens tell objects apart, because the answer loss reaches it only once the decoder already attends to the right
/// tokens. The probe is dropped after training; the saved model is plain LLaVA. It says nothing about which tokens an
/// answer should use, so it does not steer what the explanations show.
/// </summary>
public sealed class PatchProbe : nn.Module
{
    private readonly Linear _shape, _color;

    public PatchProbe(int width) : base(nameof(PatchProbe))
    {
        _shape = nn.Linear(width, PatchLabels.ShapeClasses);
        _color = nn.Linear(width, PatchLabels.ColorClasses);
        RegisterComponents();
    }

    /// <param name="features">[B, K, D]</param>
    /// <returns>the mean of the shape and colour cross-entropies over all patches</returns>
    public Tensor Loss(Tensor features, Tensor shapes, Tensor colors)
    {
        using var scope = NewDisposeScope();
        var flat = features.reshape(-1, features.shape[^1]);
        var loss = nn.functional.cross_entropy(_shape.forward(flat), shapes.view(-1))
                   + nn.functional.cross_entropy(_color.forward(flat), colors.view(-1));
        return (loss / 2).MoveToOuterDisposeScope();
    }
}

using static TorchSharp.torch;

namespace Glimpse.Model.Modules;

/// <summary>
/// Base of every module here. TorchSharp would otherwise also register each field under its C# name; ours register
/// their parameters and children explicitly, under the checkpoint's names, so state_dict keys are Hugging Face's.
/// </summary>
public abstract class CheckpointModule(string name) : nn.Module(name)
{
    protected override void RegisterComponents() { }
}

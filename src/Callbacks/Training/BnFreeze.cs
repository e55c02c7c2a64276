using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's BnFreeze (runs after TrainEval): at the start of every training phase, after TrainEval has put the model in
/// training mode, puts back into eval mode every BatchNorm layer whose parameters do not train, so its running mean and
/// variance stay those it was trained with (fine-tuning a frozen pretrained body).
/// </summary>
[RunAfter(typeof(TrainEval))]
public sealed partial class BnFreeze : Callback
{
    [Event] void BeforeTrain(Learner learn) => SetBnEval(learn.Model);

    /// <summary>
    /// fastai's set_bn_eval: every BatchNorm1d/2d/3d layer of <paramref name="model"/> whose parameters do not require
    /// grad goes to eval mode (or, with <paramref name="useEval"/> false, back to training mode). A BatchNorm without
    /// affine parameters has nothing frozen and is left as it is (fastai's version fails on one).
    /// </summary>
    public static void SetBnEval(nn.Module model, bool useEval = true)
    {
        foreach (var module in model.modules().Prepend(model))   // TorchSharp leaves the model itself out
        {
            if (module is not (BatchNorm1d or BatchNorm2d or BatchNorm3d)) continue;
            var first = module.parameters().FirstOrDefault();
            if (first is null || first.requires_grad) continue;
            if (useEval) module.eval();
            else module.train();
        }
    }
}

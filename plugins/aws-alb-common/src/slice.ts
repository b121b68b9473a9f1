import {
  ingressOfTargetGroupResource,
  isTargetGroupOfIngress,
} from './annotations';
import { AlbLoadBalancer } from './types';

/**
 * One Ingress's slice of load balancers shared by an Ingress group: only the target groups
 * the controller made for that Ingress (by their `ingress.k8s.aws/resource` tag), listener
 * actions pointing at no other member's group, and the group's other Ingresses named. A load
 * balancer whose target groups carry no such tag is returned as it is.
 */
export function sliceForIngress(
  loadBalancers: AlbLoadBalancer[],
  ingress: string,
): AlbLoadBalancer[] {
  return loadBalancers.map(lb => {
    const tagged = lb.targetGroups.filter(tg => tg.controllerResource);
    if (!tagged.length) return lb;
    const own = lb.targetGroups.filter(
      tg =>
        !tg.controllerResource ||
        isTargetGroupOfIngress(tg.controllerResource, ingress),
    );
    const ownArns = new Set(own.map(tg => tg.arn));
    const others = [
      ...new Set(
        tagged
          .filter(tg => !ownArns.has(tg.arn))
          .map(tg => ingressOfTargetGroupResource(tg.controllerResource!))
          .filter((name): name is string => Boolean(name) && name !== ingress),
      ),
    ].sort();
    return {
      ...lb,
      targetGroups: own,
      listeners: lb.listeners.map(l => ({
        ...l,
        defaultActions: l.defaultActions.map(a =>
          a.targetGroupArns
            ? {
                ...a,
                targetGroupArns: a.targetGroupArns.filter(arn =>
                  ownArns.has(arn),
                ),
              }
            : a,
        ),
      })),
      ingressGroup: { ingress, otherIngresses: others },
    };
  });
}
